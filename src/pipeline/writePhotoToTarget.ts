// The flow both writers share: claim the person's row, skip what is already there, write, record, and turn a failure
// into the decision of writeDecisions (reschedule, record as permanent, dead-letter, or throw for the host to retry).
// Within a process, writes for one person and target already run one at a time (KeyedSerializer). Across scaled-out
// instances the claim does it: an ETag-guarded update of the person's PhotoSyncState row that only one writer can
// win. The loser steps back (rescheduled, nothing sent) instead of writing at the same moment, which could leave
// an older photo on top or a SharePoint profile with thumbnails from two photos. A claim lapses on its own after
// `claimMs` (a crashed instance cannot block a person for longer than one function run can last).

import { randomUUID } from 'node:crypto';
import type { PhotoState, PhotoStatePatch, PhotoStatePort, WriteOutcome } from './PhotoStatePort';
import {
  backoffDelayMs,
  decideOnFailure,
  defaultWriteDecisionOptions,
  isM365Failure,
  outcomeOf,
  type M365Failure,
  type WriteDecision,
  type WriteTargetName,
} from './writeDecisions';

/** Re-enqueues a write message later, or parks it in `{queue}-poison` with the cause. */
export interface WriteReschedulePort<M> {
  reschedule(message: M, options: { delayMs: number }): Promise<void>;
  deadLetter(message: M, cause: { code: string; message: string }): Promise<void>;
}

/** Reads a rendition from `photos-processed` by blob name. */
export interface RenditionSource {
  readRendition(blobName: string): Promise<Buffer>;
}

export interface WriteSubject {
  userId: string;
  userPrincipalName: string;
  contentHash: string;
  receivedAt: string;
  attempt: number;
  /** Write even when state says this hash is already there (PHOTO_AUTHORITY=hr puts the HR photo back). */
  force?: boolean;
}

export interface WriteRequest<M> {
  target: WriteTargetName;
  subject: WriteSubject;
  /** The same message with `attempt + 1`, for a reschedule. */
  nextMessage: M;
  /** Performs the write; returns extra state to record (e.g. the Graph photo ETag). */
  perform(): Promise<PhotoStatePatch>;
  /** A chance to refine a permanent decision (e.g. the tenant's photo policy explains a 403). */
  refine?(failure: M365Failure, decision: WriteDecision): Promise<WriteDecision>;
}

export interface WriteDependencies<M> {
  state: PhotoStatePort;
  rescheduler: WriteReschedulePort<M>;
  /** Writes for one user and target run one at a time in this process (see KeyedSerializer). */
  serializer?: { run<T>(key: string, task: () => Promise<T>): Promise<T> };
  now?: () => Date;
  /** How long a claim on a person's row holds without being released (default: host.json functionTimeout, 5 min). */
  claimMs?: number;
  decisionOptions?: Partial<typeof defaultWriteDecisionOptions> & { random?: () => number };
}

export interface WriteResult {
  outcome: WriteOutcome;
  code?: string;
  message?: string;
  delayMs?: number;
}

export function writePhotoToTarget<M>(request: WriteRequest<M>, deps: WriteDependencies<M>): Promise<WriteResult> {
  const write = () => writeOnce(request, deps);
  return deps.serializer ? deps.serializer.run(`${request.target}/${request.subject.userId}`, write) : write();
}

export const defaultClaimMs = 5 * 60_000;

const releasedClaim = { writeClaimId: '', writeClaimExpiresAt: '' } as const;

async function writeOnce<M>(request: WriteRequest<M>, deps: WriteDependencies<M>): Promise<WriteResult> {
  const { subject, target } = request;
  const clock = deps.now ?? (() => new Date());
  const now = clock().toISOString();
  const claimId = randomUUID();
  const claim = await claimRow(request, deps, claimId, clock().getTime());
  if (claim.kind === 'busy') return stepBack(request, deps, claim.holder);
  // Only our own claim is released: one that lapsed and was taken over belongs to the writer that took it.
  const release = (state: PhotoState | undefined): PhotoStatePatch =>
    state?.writeClaimId === claimId ? releasedClaim : {};
  let settled = false;
  try {
    const current = claim.state;
    const skip: WriteOutcome | undefined = subject.force
      ? undefined
      : current?.lastContentHash === subject.contentHash
        ? 'skipped-duplicate'
        : current?.lastReceivedAt && subject.receivedAt < current.lastReceivedAt
          ? 'skipped-stale'
          : undefined;
    if (skip) {
      await deps.state.update(subject.userId, target, (state) => ({
        lastOutcome: skip,
        updatedAt: now,
        ...release(state),
      }));
      settled = true;
      return { outcome: skip };
    }

    let extra: PhotoStatePatch;
    try {
      extra = await request.perform();
    } catch (error) {
      if (!isM365Failure(error)) throw error;
      const result = await handleFailure(request, deps, error, now, release);
      settled = true;
      return result;
    }
    await deps.state.update(subject.userId, target, (state) => ({
      ...extra,
      userPrincipalName: subject.userPrincipalName,
      lastContentHash: subject.contentHash,
      lastReceivedAt: subject.receivedAt,
      lastWrittenAt: now,
      lastOutcome: 'written',
      lastErrorCode: '',
      lastErrorMessage: '',
      updatedAt: now,
      ...release(state),
    }));
    settled = true;
    return { outcome: 'written' };
  } finally {
    // An error on its way to the host (which retries the message): let the retry in, whichever instance gets it.
    if (!settled) {
      await deps.state
        .update(subject.userId, target, (state) => (state?.writeClaimId === claimId ? releasedClaim : undefined))
        .catch(() => undefined);
    }
  }
}

type ClaimResult = { kind: 'claimed'; state: PhotoState | undefined } | { kind: 'busy'; holder: PhotoState };

/** Takes the person's row for this write unless another writer holds an unexpired claim on it. */
async function claimRow<M>(
  request: WriteRequest<M>,
  deps: WriteDependencies<M>,
  claimId: string,
  nowMs: number,
): Promise<ClaimResult> {
  const { userId } = request.subject;
  let holder: PhotoState | undefined;
  const state = await deps.state.update(userId, request.target, (current) => {
    const expiresAt = current?.writeClaimExpiresAt ? Date.parse(current.writeClaimExpiresAt) : Number.NaN;
    holder = current?.writeClaimId && expiresAt > nowMs ? current : undefined;
    if (holder) return undefined;
    return {
      writeClaimId: claimId,
      writeClaimExpiresAt: new Date(nowMs + (deps.claimMs ?? defaultClaimMs)).toISOString(),
    };
  });
  return holder ? { kind: 'busy', holder } : { kind: 'claimed', state };
}

/** Another instance is writing this person's photo to this target: come back once it should be done. */
async function stepBack<M>(
  request: WriteRequest<M>,
  deps: WriteDependencies<M>,
  holder: PhotoState,
): Promise<WriteResult> {
  const options = { ...defaultWriteDecisionOptions, ...deps.decisionOptions };
  if (request.subject.attempt + 1 >= options.maxAttempts) {
    const message =
      `Another writer kept the claim on ${request.subject.userPrincipalName}'s ${request.target} photo through ` +
      `${options.maxAttempts} attempts (claim until ${holder.writeClaimExpiresAt ?? '?'}).`;
    await deps.rescheduler.deadLetter(request.nextMessage, { code: 'write-claim-held', message });
    return { outcome: 'dead-lettered', code: 'write-claim-held', message };
  }
  const delayMs = backoffDelayMs(request.subject.attempt, { ...options, random: options.random });
  const message =
    `Another writer is writing ${request.subject.userPrincipalName}'s ${request.target} photo (claim until ` +
    `${holder.writeClaimExpiresAt ?? '?'}); this one comes back in ${delayMs} ms.`;
  // The row stays the other writer's: nothing is recorded here, so "where is this person's photo?" shows its write.
  await deps.rescheduler.reschedule(request.nextMessage, { delayMs });
  return { outcome: 'rescheduled', code: 'write-claim-held', message, delayMs };
}

async function handleFailure<M>(
  request: WriteRequest<M>,
  deps: WriteDependencies<M>,
  failure: Error & M365Failure,
  now: string,
  release: (state: PhotoState | undefined) => PhotoStatePatch,
): Promise<WriteResult> {
  const options = { ...defaultWriteDecisionOptions, ...deps.decisionOptions, attempt: request.subject.attempt };
  let decision = decideOnFailure(request.target, failure, options);
  if (request.refine && decision.kind === 'permanent') decision = await request.refine(failure, decision);
  // Thrown to the host for its retries; the caller releases the claim on the way out.
  if (decision.kind === 'throw') throw failure;

  // Record before acting: a crash between the two leaves an honest state and a message that comes back.
  await deps.state.update(request.subject.userId, request.target, (state) => ({
    userPrincipalName: request.subject.userPrincipalName,
    lastOutcome: outcomeOf[decision.kind],
    lastErrorCode: decision.code,
    lastErrorMessage: decision.message.slice(0, 2_000),
    updatedAt: now,
    ...release(state),
  }));
  if (decision.kind === 'reschedule') {
    await deps.rescheduler.reschedule(request.nextMessage, { delayMs: decision.delayMs });
    return { outcome: 'rescheduled', code: decision.code, message: decision.message, delayMs: decision.delayMs };
  }
  if (decision.kind === 'dead-letter') {
    await deps.rescheduler.deadLetter(request.nextMessage, { code: decision.code, message: decision.message });
  }
  return { outcome: outcomeOf[decision.kind], code: decision.code, message: decision.message };
}
