// The Graph operations the pipeline needs, over the SDK client (see createGraphSdkClient for the why).
// Photo endpoints: https://learn.microsoft.com/graph/api/profilephoto-update and profilephoto-get; `$batch` allows
// 20 requests: https://learn.microsoft.com/graph/json-batching.

import { ResponseType, type Client } from '@microsoft/microsoft-graph-client';
import type { PhotoMetadata } from '../pipeline/photoChange/decidePhotoChange';
import type { M365Auth } from './M365Auth';
import { M365RequestError } from './M365RequestError';
import { createGraphSdkClient, toM365RequestError } from './createGraphSdkClient';
import type { M365Transport } from './M365Transport';
import { GraphSubscriptions } from './GraphSubscriptions';
import { headerSource, throttleDelayMs } from './readThrottleHeaders';

export interface GraphUser {
  id: string;
  userPrincipalName: string;
  employeeId?: string | null;
  mail?: string | null;
  displayName?: string | null;
}

export type GraphPhotoDeletion = 'deleted' | 'none' | 'no-mailbox' | 'on-premises';

export interface PhotoUpdateSettings {
  /** `cloud`, or `onPremises` when the tenant refuses photo writes through Graph. */
  source: string | undefined;
}

interface Page<T> {
  value: T[];
  '@odata.nextLink'?: string;
}

interface RawPhoto {
  '@odata.mediaEtag'?: string;
  width?: number;
  height?: number;
}

interface BatchAnswer {
  id: string;
  status: number;
  headers?: Record<string, string>;
  body?: RawPhoto & { error?: { code?: string; message?: string } };
}

const USER_SELECT = ['id', 'userPrincipalName', 'employeeId', 'mail', 'displayName'];
const NO_PHOTO_CODES = new Set(['ImageNotFound', 'ErrorItemNotFound']);

function odataString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** Graph always sends `@odata.mediaEtag` with photo metadata; a stand-in keeps a photo without one comparable. */
function toMetadata(raw: RawPhoto): PhotoMetadata {
  const width = raw.width ?? 0;
  const height = raw.height ?? 0;
  return { mediaEtag: raw['@odata.mediaEtag'] ?? `no-etag:${width}x${height}`, width, height };
}

export interface GraphClientOptions {
  auth: M365Auth;
  transport: M365Transport;
  graphBaseUrl: string;
}

export class GraphClient {
  readonly subscriptions: GraphSubscriptions;
  private readonly sdk: Client;

  constructor(private readonly options: GraphClientOptions) {
    this.sdk = createGraphSdkClient(options.transport, options.graphBaseUrl);
    this.subscriptions = new GraphSubscriptions((work) => this.call(work));
  }

  /** Runs an SDK call and maps every failure to M365RequestError. */
  async call<T>(work: (client: Client) => Promise<T>): Promise<T> {
    // Token first, outside the SDK: its error wrapping would otherwise hide a login failure's code.
    await this.options.auth.getToken(this.options.graphBaseUrl);
    try {
      return await work(this.sdk);
    } catch (error) {
      throw toM365RequestError(error);
    }
  }

  /** The user, or undefined when Graph says there is none (404). */
  async getUser(idOrUpn: string, options: { select?: string[] } = {}): Promise<GraphUser | undefined> {
    // `/users/..` would resolve to another resource (the URL parser removes dot segments): no user has that name.
    if (idOrUpn === '' || idOrUpn === '.' || idOrUpn === '..') return undefined;
    try {
      return await this.call(
        (c) =>
          c
            .api(`/users/${encodeURIComponent(idOrUpn)}`)
            .select(options.select ?? USER_SELECT)
            .get() as Promise<GraphUser>,
      );
    } catch (error) {
      if (error instanceof M365RequestError && error.status === 404) return undefined;
      throw error;
    }
  }

  /**
   * Which of `groupIds` (at most 20) the user belongs to, directly or through nested groups. Application
   * permissions: User.Read.All and GroupMember.Read.All. https://learn.microsoft.com/graph/api/directoryobject-checkmembergroups
   */
  async checkMemberGroups(userId: string, groupIds: string[]): Promise<string[]> {
    const answer = await this.call(
      (c) => c.api(`/users/${encodeURIComponent(userId)}/checkMemberGroups`).post({ groupIds }) as Promise<unknown>,
    );
    const value = (answer as { value?: unknown } | undefined)?.value;
    return Array.isArray(value) ? value.filter((id): id is string => typeof id === 'string') : [];
  }

  async findUsersByEmployeeId(employeeId: string): Promise<GraphUser[]> {
    const page = await this.call(
      (c) =>
        c
          .api('/users')
          .filter(`employeeId eq ${odataString(employeeId)}`)
          .select(USER_SELECT)
          .get() as Promise<Page<GraphUser>>,
    );
    return page.value;
  }

  /**
   * People whose display name or UPN starts with `text` (Graph's `startswith`, which `/users` supports without
   * advanced query headers), at most `top` of them.
   */
  async searchUsersByName(text: string, top: number): Promise<GraphUser[]> {
    const literal = odataString(text);
    const page = await this.call(
      (c) =>
        c
          .api('/users')
          .filter(`startswith(displayName,${literal}) or startswith(userPrincipalName,${literal})`)
          .select(USER_SELECT)
          .top(top)
          .get() as Promise<Page<GraphUser>>,
    );
    return page.value;
  }

  /**
   * One page of users: the first (`nextLink` undefined) or the one Graph's `@odata.nextLink` names, so a caller can
   * stop after any page and continue later from the link it kept.
   */
  async readUsersPage<T extends object = GraphUser>(
    nextLink: string | undefined,
    options: { select?: string[]; pageSize?: number } = {},
  ): Promise<{ value: T[]; nextLink?: string }> {
    const page = await this.call(
      (c) =>
        (nextLink === undefined
          ? c
              .api('/users')
              .select(options.select ?? USER_SELECT)
              .top(options.pageSize ?? 100)
              .get()
          : c.api(nextLink).get()) as Promise<Page<T>>,
    );
    const next = page['@odata.nextLink'];
    return { value: page.value, ...(next ? { nextLink: next } : {}) };
  }

  /** Every user, page by page (Graph's `@odata.nextLink`). */
  async *listUsers(options: { select?: string[]; pageSize?: number } = {}): AsyncGenerator<GraphUser[]> {
    let page = await this.call(
      (c) =>
        c
          .api('/users')
          .select(options.select ?? USER_SELECT)
          .top(options.pageSize ?? 100)
          .get() as Promise<Page<GraphUser>>,
    );
    yield page.value;
    while (page['@odata.nextLink']) {
      const next = page['@odata.nextLink'];
      page = await this.call((c) => c.api(next).get() as Promise<Page<GraphUser>>);
      yield page.value;
    }
  }

  async putPhoto(userId: string, jpeg: Buffer): Promise<void> {
    await this.call(
      (c) =>
        c
          .api(`/users/${encodeURIComponent(userId)}/photo/$value`)
          .header('Content-Type', 'image/jpeg')
          .put(jpeg) as Promise<unknown>,
    );
  }

  /**
   * `DELETE /users/{id}/photo/$value` (application permission User.ReadWrite.All: Graph documents no lesser one).
   * 'none' when the person has no photo (Graph answers a read's 404 ImageNotFound), 'no-mailbox' or 'on-premises'
   * when Exchange Online holds no photo of theirs we could delete (the answers a write gets, see writeDecisions);
   * anything else is thrown.
   */
  async deletePhoto(userId: string): Promise<GraphPhotoDeletion> {
    try {
      await this.call((c) => c.api(`/users/${encodeURIComponent(userId)}/photo/$value`).delete() as Promise<unknown>);
      return 'deleted';
    } catch (error) {
      if (!(error instanceof M365RequestError)) throw error;
      if (error.status === 404 && NO_PHOTO_CODES.has(error.code)) return 'none';
      if (error.code === 'MailboxNotHostedInExchangeOnline') return 'on-premises';
      if (
        error.code === 'ErrorNonExistentMailbox' ||
        (error.status === 400 && error.code === 'AuthenticationError') ||
        (error.status === 404 && error.code === 'HTTP404')
      ) {
        return 'no-mailbox';
      }
      throw error;
    }
  }

  /** The photo's metadata, or undefined when the user has no photo. */
  async getPhotoMetadata(userId: string): Promise<PhotoMetadata | undefined> {
    try {
      const raw = await this.call(
        (c) => c.api(`/users/${encodeURIComponent(userId)}/photo`).get() as Promise<RawPhoto>,
      );
      return toMetadata(raw);
    } catch (error) {
      if (error instanceof M365RequestError && error.status === 404 && NO_PHOTO_CODES.has(error.code)) return undefined;
      throw error;
    }
  }

  async getPhotoContent(userId: string): Promise<Buffer> {
    const bytes = await this.call(
      (c) =>
        c
          .api(`/users/${encodeURIComponent(userId)}/photo/$value`)
          .responseType(ResponseType.ARRAYBUFFER)
          .get() as Promise<ArrayBuffer>,
    );
    return Buffer.from(bytes);
  }

  /** Photo metadata for up to 20 users in one `$batch`; per user: metadata, undefined (no photo) or the error. */
  async batchGetPhotoMetadata(userIds: string[]): Promise<Map<string, PhotoMetadata | undefined | M365RequestError>> {
    if (userIds.length > 20)
      throw new RangeError(`Graph $batch takes at most 20 requests, received ${userIds.length}.`);
    const result = new Map<string, PhotoMetadata | undefined | M365RequestError>();
    if (userIds.length === 0) return result;
    const requests = userIds.map((id, index) => ({
      id: String(index),
      method: 'GET',
      url: `/users/${encodeURIComponent(id)}/photo`,
    }));
    const answer = await this.call((c) => c.api('/$batch').post({ requests }) as Promise<{ responses: BatchAnswer[] }>);
    for (const response of answer.responses) {
      const userId = userIds[Number(response.id)];
      if (userId === undefined) continue;
      result.set(userId, this.batchItem(response));
    }
    return result;
  }

  /** The tenant photo policy (beta; needs PeopleSettings.Read.All): https://learn.microsoft.com/graph/profilephoto-configure-settings */
  async getPhotoUpdateSettings(): Promise<PhotoUpdateSettings> {
    const raw = await this.call(
      (c) => c.api('/admin/people/photoUpdateSettings').version('beta').get() as Promise<{ source?: string }>,
    );
    return { source: raw.source };
  }

  private batchItem(response: BatchAnswer): PhotoMetadata | undefined | M365RequestError {
    if (response.status >= 200 && response.status < 300) return toMetadata(response.body ?? {});
    const body = response.body ?? {};
    const retryAfterMs = throttleDelayMs(headerSource(response.headers));
    const error = new M365RequestError({
      service: 'graph',
      status: response.status,
      code: body.error?.code ?? `HTTP${response.status}`,
      message: body.error?.message ?? `HTTP ${response.status}`,
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
    return response.status === 404 && NO_PHOTO_CODES.has(error.code) ? undefined : error;
  }
}
