// Graph JSON batching: up to 20 requests, each answered independently ({id, status, headers, body}); an inner
// request is authorised and throttled on its own (a 429 inside a 200 batch), `dependsOn` orders requests and a
// failed dependency answers 424. Binary bodies travel base64-encoded. https://learn.microsoft.com/graph/json-batching

import type { EmulatorContext } from './EmulatorContext';
import { graphError } from './graphError';
import { isRecord, jsonResponse, readJsonBody, type EmulatorRequest, type EmulatorResponse } from './HttpExchange';
import type { HttpRouter } from './HttpRouter';

type Dispatch = (request: EmulatorRequest) => Promise<EmulatorResponse>;

interface BatchItem {
  id: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: unknown;
  dependsOn: string[];
}

export function addGraphBatchRoute(router: HttpRouter<EmulatorContext>, dispatch: Dispatch): void {
  router.add('POST', /^\/v1\.0\/\$batch$/i, 'batch', (request, _p, ctx) => runBatch(request, ctx, dispatch));
}

async function runBatch(request: EmulatorRequest, ctx: EmulatorContext, dispatch: Dispatch): Promise<EmulatorResponse> {
  const now = ctx.now();
  const bad = (message: string) => graphError(400, 'BadRequest', message, { request, now });
  if (!request.headers.authorization) {
    return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.', { request, now });
  }
  let parsed: unknown;
  try {
    parsed = readJsonBody(request);
  } catch {
    return bad('Invalid batch payload format.');
  }
  if (!isRecord(parsed) || !Array.isArray(parsed.requests)) return bad('Invalid batch payload format.');
  if (parsed.requests.length === 0) return bad('Invalid batch payload format.');
  if (parsed.requests.length > 20) return bad('The number of requests in the batch exceeds the limit of 20.');
  const items: BatchItem[] = [];
  for (const raw of parsed.requests) {
    if (!isRecord(raw) || typeof raw.id !== 'string' || typeof raw.method !== 'string' || typeof raw.url !== 'string') {
      return bad('Invalid batch payload format.');
    }
    if (items.some((i) => i.id === raw.id)) return bad(`Request id '${raw.id}' is not unique within the batch.`);
    const headers: Record<string, string> = {};
    if (isRecord(raw.headers)) for (const [k, v] of Object.entries(raw.headers)) headers[k.toLowerCase()] = String(v);
    items.push({
      id: raw.id,
      method: raw.method.toUpperCase(),
      url: raw.url,
      headers,
      body: raw.body,
      dependsOn: Array.isArray(raw.dependsOn) ? raw.dependsOn.map(String) : [],
    });
  }

  const results = new Map<string, { status: number; response: Record<string, unknown> }>();
  const runOne = async (item: BatchItem) => {
    const failedDependency = item.dependsOn.some((d) => (results.get(d)?.status ?? 424) >= 400);
    if (failedDependency) {
      const body = JSON.parse(
        String(graphError(424, 'BadRequest', 'Failed dependency.', { request, now }).body),
      ) as unknown;
      return {
        status: 424,
        response: { id: item.id, status: 424, headers: { 'content-type': 'application/json' }, body },
      };
    }
    const inner = await dispatch(toRequest(item, request, ctx));
    return { status: inner.status, response: toBatchResponse(item.id, inner) };
  };
  if (items.some((i) => i.dependsOn.length > 0)) {
    for (const item of items) results.set(item.id, await runOne(item));
  } else {
    const all = await Promise.all(items.map(runOne));
    all.forEach((r, index) => results.set(items[index]?.id ?? '', r));
  }
  return jsonResponse(200, { responses: items.map((i) => results.get(i.id)?.response) });
}

function toRequest(item: BatchItem, outer: EmulatorRequest, ctx: EmulatorContext): EmulatorRequest {
  const relative = item.url.startsWith('/') ? item.url : `/${item.url}`;
  const url = new URL(`${ctx.urls.graphBaseUrl}/v1.0${relative}`);
  let body = Buffer.alloc(0);
  if (item.body !== undefined) {
    const type = item.headers['content-type'] ?? '';
    body =
      typeof item.body === 'string' && !type.includes('json')
        ? Buffer.from(item.body, 'base64')
        : Buffer.from(JSON.stringify(item.body));
  }
  return {
    method: item.method,
    url,
    headers: { ...item.headers, authorization: outer.headers.authorization },
    body,
  };
}

function toBatchResponse(id: string, inner: EmulatorResponse): Record<string, unknown> {
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(inner.headers)) {
    if (['content-type', 'retry-after', 'location', 'etag', 'odata-version'].includes(k.toLowerCase())) headers[k] = v;
  }
  const result: Record<string, unknown> = { id, status: inner.status, headers };
  if (inner.body === undefined || Buffer.from(inner.body).length === 0) return result;
  const bytes = Buffer.from(inner.body);
  result.body = (headers['content-type'] ?? '').includes('json')
    ? (JSON.parse(bytes.toString('utf8')) as unknown)
    : bytes.toString('base64');
  return result;
}
