// `POST /runtime/webhooks/blobs?functionName=Host.Functions.{name}`: the endpoint the blob extension opens for blob
// triggers with `source: 'EventGrid'`, answered as the extension answers it (Azure/azure-sdk-for-net,
// Microsoft.Azure.WebJobs.Extensions.Storage.Blobs: BlobsExtensionConfigProvider.ConvertAsync and the shared
// HttpRequestProcessor). On Azure, Event Grid posts here; under Core Tools nothing does, because Azurite sends no
// events, so a developer posts the event by hand (dev/ingestPhoto.http), as Microsoft's Event Grid blob sample does.
//  - `aeg-event-type: SubscriptionValidation`: 200 with `{"validationResponse": code}`, code from the first event's
//    `data.validationCode` (an array, Event Grid schema) or from the JSON string `data` (one CloudEvent).
//  - `aeg-event-type: Notification`: one event or an array; each `data.url` names a blob (container and name read
//    from the URL's path, the account ignored: the trigger's connection is used). 202 once each is written to the
//    host's blob trigger queue (BlobTriggerQueueListener); 500 when that write fails, so Event Grid posts again.
//  - `aeg-event-type: Unsubscribe`: 202. Anything else: 400. A body that is not JSON: 500, as the host's parser throws.

export interface BlobCreatedRef {
  container: string;
  blobName: string;
  /** `data.eTag`, when the event has one. */
  etag?: string;
}

export interface WebhookResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type DeliverBlobEvent = (functionId: string, blob: BlobCreatedRef) => Promise<void>;

/** Container and blob name of a blob URL, path-style (`http://127.0.0.1:10000/devstoreaccount1/c/b`) or not. */
export function blobRefFromUrl(url: string): BlobCreatedRef | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const segments = parsed.pathname.split('/').slice(1);
  // Like BlobUriBuilder: an IP address or localhost host puts the account name first in the path.
  const pathStyle = /^(\d{1,3}(\.\d{1,3}){3}|\[[0-9a-f:]+\]|localhost)$/i.test(parsed.hostname);
  const [container, ...name] = pathStyle ? segments.slice(1) : segments;
  if (!container || name.length === 0) return undefined;
  return { container, blobName: decodeURIComponent(name.join('/')) };
}

function validationCode(events: unknown): string | undefined {
  if (Array.isArray(events)) {
    const data = (events[0] as { data?: { validationCode?: unknown } } | undefined)?.data;
    return typeof data?.validationCode === 'string' ? data.validationCode : undefined;
  }
  const data = (events as { data?: unknown } | null)?.data;
  // A CloudEvent's validation data arrives encoded twice: `data` is a JSON string.
  const decoded: unknown = typeof data === 'string' ? JSON.parse(data) : data;
  const code = (decoded as { validationCode?: unknown } | null)?.validationCode;
  return typeof code === 'string' ? code : undefined;
}

export async function handleEventGridBlobWebhook(
  request: { query: URLSearchParams; headers: Record<string, string | undefined>; body: Buffer },
  deliver: DeliverBlobEvent,
): Promise<WebhookResponse> {
  const eventType = request.headers['aeg-event-type']?.toLowerCase();
  const functionId = request.query.get('functionName') ?? '';
  if (eventType !== 'subscriptionvalidation' && eventType !== 'notification')
    return { status: eventType === 'unsubscribe' ? 202 : 400 };
  let events: unknown;
  try {
    events = JSON.parse(request.body.toString('utf8'));
  } catch {
    return { status: 500 };
  }
  if (eventType === 'subscriptionvalidation') {
    const code = validationCode(events);
    if (code === undefined) return { status: 500 };
    return {
      status: 200,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: JSON.stringify({ validationResponse: code }),
    };
  }
  const list = Array.isArray(events) ? events : [events];
  const refs = list.map((event) => {
    const data = (event as { data?: { url?: unknown; eTag?: unknown } } | null)?.data;
    const ref = typeof data?.url === 'string' ? blobRefFromUrl(data.url) : undefined;
    return ref && typeof data?.eTag === 'string' ? { ...ref, etag: data.eTag } : ref;
  });
  if (refs.some((ref) => ref === undefined)) return { status: 500 };
  try {
    for (const ref of refs as BlobCreatedRef[]) await deliver(functionId, ref);
  } catch {
    // Not accepted: Event Grid retries the whole post (a duplicate run of what was queued is at-least-once).
    return { status: 500 };
  }
  return { status: 202 };
}
