// Checks a dequeued message before a consumer trusts it. The queue is a trust boundary: anyone who can send to it
// (Storage Queue Data Contributor, a leaked connection string) can post a message, so a message is checked against
// what our own producers make, not only against its shape (docs/messages.md, "What a consumer trusts"):
// object ids are GUIDs, the content hash is a sha256 in hex, every rendition reference is exactly the name ingest
// derives from (user, hash, role), `receivedAt` is a time not in the future, the origin and source are known values.
// A message that fails is dead-lettered with the reason at once: retrying it five times would not make it readable.
// - `malformed-message`: not one of our messages at all (a key, the schema or a required field is missing);
// - `untrusted-message`: shaped like ours, but a value is one our producers never make (a forged or tampered one).

import {
  EXCHANGE_WRITE_SCHEMA,
  PHOTO_CHANGE_SCHEMA,
  SHAREPOINT_WRITE_SCHEMA,
  type ExchangePhotoWriteMessage,
  type PhotoChangeMessage,
  type PhotoOrigin,
  type SharePointPhotoWriteMessage,
} from './messageContracts';
import { renditionBlobName, type RenditionRole } from './renditions';

export type MessageCheckCode = 'malformed-message' | 'untrusted-message';

/** The verdict on a dequeued message: the message, typed, when it can be trusted; else why not. */
export type MessageCheck<M> = { ok: true; message: M } | { ok: false; code: MessageCheckCode; reason: string };

export interface MessageCheckOptions {
  now?: Date;
  /** How far `receivedAt` may lie ahead of this clock (instances' clocks differ a little); default 5 minutes. */
  clockSkewMs?: number;
}

export const defaultClockSkewMs = 5 * 60_000;

type Problem = { code: MessageCheckCode; reason: string } | undefined;

const objectIdPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const contentHashPattern = /^[0-9a-f]{64}$/;
const origins: readonly PhotoOrigin[] = ['hr-upload', 'user-change', 'reconcile'];
/** Longer than any id we make (GUIDs, invocation ids); short enough that a log line stays a log line. */
const MAX_ID_LENGTH = 128;

export function isObjectId(value: unknown): value is string {
  return typeof value === 'string' && objectIdPattern.test(value);
}

const malformed = (reason: string): Problem => ({ code: 'malformed-message', reason });
const untrusted = (reason: string): Problem => ({ code: 'untrusted-message', reason });

function record(value: unknown): Record<string, unknown> | undefined {
  return value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

function isShortText(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH;
}

function attemptProblem(payload: Record<string, unknown>): Problem {
  const attempt = payload.attempt;
  return Number.isInteger(attempt) && (attempt as number) >= 0
    ? undefined
    : malformed('attempt must be a whole number');
}

/** `receivedAt` orders writes (an older photo never replaces a newer one), so a future one would freeze a person. */
function receivedAtProblem(value: unknown, options: MessageCheckOptions): Problem {
  const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(at)) return malformed('receivedAt must be an ISO 8601 time');
  const now = (options.now ?? new Date()).getTime();
  if (at > now + (options.clockSkewMs ?? defaultClockSkewMs)) {
    return untrusted(`receivedAt ${String(value)} is in the future`);
  }
  return undefined;
}

/** The payload under `key`, with the schema it must carry: the checks every message shares. */
function payloadOf(
  value: unknown,
  key: string,
  schema: string,
): { payload: Record<string, unknown> } | { problem: NonNullable<Problem> } {
  const payload = record(record(value)?.[key]);
  if (!payload) return { problem: { code: 'malformed-message', reason: `the ${key} key is missing` } };
  if (payload.schema !== schema) {
    return {
      problem: { code: 'malformed-message', reason: `schema is ${String(payload.schema)}, expected ${schema}` },
    };
  }
  return { payload };
}

function verdict<M>(value: unknown, problem: Problem): MessageCheck<M> {
  return problem === undefined ? { ok: true, message: value as M } : { ok: false, ...problem };
}

/** A rendition reference is trusted only as the exact name ingest stores that rendition under. */
function renditionProblem(
  value: unknown,
  path: string,
  owner: { userId: string; contentHash: string },
  role: RenditionRole,
): Problem {
  const ref = record(value);
  if (!ref || typeof ref.blobName !== 'string') return malformed(`${path}.blobName is required`);
  const expected = renditionBlobName(owner.userId, owner.contentHash, role);
  if (ref.blobName !== expected) {
    return untrusted(`${path}.blobName must be the rendition "${expected}" ingest stores, not "${ref.blobName}"`);
  }
  const sized = [ref.width, ref.height, ref.bytes].every((n) => Number.isInteger(n) && (n as number) > 0);
  return sized ? undefined : malformed(`${path}.width, .height and .bytes must be positive whole numbers`);
}

function writeProblem(write: Record<string, unknown>, options: MessageCheckOptions): Problem {
  const owner = record(write.owner);
  if (typeof owner?.userId !== 'string' || typeof owner.userPrincipalName !== 'string') {
    return malformed('owner.userId and owner.userPrincipalName are required');
  }
  if (typeof write.contentHash !== 'string' || typeof write.receivedAt !== 'string') {
    return malformed('contentHash and receivedAt are required');
  }
  if (!isObjectId(owner.userId)) return untrusted('owner.userId must be an Entra object id (a GUID)');
  if (!contentHashPattern.test(write.contentHash)) return untrusted('contentHash must be 64 lowercase hex characters');
  if (!isShortText(write.correlationId)) return malformed('correlationId is required');
  if (!origins.includes(write.origin as PhotoOrigin)) return untrusted(`origin must be one of ${origins.join(', ')}`);
  if (write.force !== undefined && write.force !== true) return malformed('force, when present, must be true');
  return receivedAtProblem(write.receivedAt, options) ?? attemptProblem(write);
}

function renditionsProblem(write: Record<string, unknown>, refs: Array<[string, unknown, RenditionRole]>): Problem {
  const owner = { userId: String(record(write.owner)?.userId), contentHash: String(write.contentHash) };
  for (const [path, value, role] of refs) {
    const problem = renditionProblem(value, path, owner, role);
    if (problem) return problem;
  }
  return undefined;
}

export function checkExchangePhotoWriteMessage(
  value: unknown,
  options: MessageCheckOptions = {},
): MessageCheck<ExchangePhotoWriteMessage> {
  const read = payloadOf(value, 'exchangePhotoWrite', EXCHANGE_WRITE_SCHEMA);
  if ('problem' in read) return verdict(value, read.problem);
  const write = read.payload;
  return verdict(value, writeProblem(write, options) ?? renditionsProblem(write, [['photo', write.photo, 'exchange']]));
}

export function checkSharePointPhotoWriteMessage(
  value: unknown,
  options: MessageCheckOptions = {},
): MessageCheck<SharePointPhotoWriteMessage> {
  const read = payloadOf(value, 'sharePointPhotoWrite', SHAREPOINT_WRITE_SCHEMA);
  if ('problem' in read) return verdict(value, read.problem);
  const write = read.payload;
  const thumbnails = record(write.thumbnails);
  if (!thumbnails) return verdict(value, malformed('thumbnails.small, .medium and .large are required'));
  return verdict(
    value,
    writeProblem(write, options) ??
      renditionsProblem(write, [
        ['thumbnails.small', thumbnails.small, 'small'],
        ['thumbnails.medium', thumbnails.medium, 'medium'],
        ['thumbnails.large', thumbnails.large, 'large'],
      ]),
  );
}

export function checkPhotoChangeMessage(
  value: unknown,
  options: MessageCheckOptions = {},
): MessageCheck<PhotoChangeMessage> {
  const read = payloadOf(value, 'photoChange', PHOTO_CHANGE_SCHEMA);
  if ('problem' in read) return verdict(value, read.problem);
  const change = read.payload;
  if (typeof change.userId !== 'string' || change.userId.length === 0) {
    return verdict(value, malformed('userId is required'));
  }
  if (!isObjectId(change.userId)) return verdict(value, untrusted('userId must be an Entra object id (a GUID)'));
  if (typeof change.receivedAt !== 'string' || !isShortText(change.correlationId)) {
    return verdict(value, malformed('receivedAt and correlationId are required'));
  }
  if (change.source !== 'notification' && change.source !== 'reconcile') {
    return verdict(value, untrusted('source must be notification or reconcile'));
  }
  if (!isShortText(change.changeType)) return verdict(value, malformed('changeType is required'));
  if (change.subscriptionId !== undefined && !isShortText(change.subscriptionId)) {
    return verdict(value, malformed('subscriptionId, when present, must be a short string'));
  }
  return verdict(value, receivedAtProblem(change.receivedAt, options) ?? attemptProblem(change));
}
