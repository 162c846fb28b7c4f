// The flow both writers share: claim the person's row, skip what is already there, write, record, and turn a failure
// into the decision of writeDecisions (reschedule, record as permanent, dead-letter, or throw for the host to retry).
// The result says what to do with the message (`rescheduled` with its delay, `dead-lettered` with its cause);
// handlePhotoWriteMessage turns that into queue sends for the edge to carry out.
// Within a process, writes for one person and target already run one at a time (KeyedSerializer). Across scaled-out
// instances the claim does it: an ETag-guarded update of the person's PhotoSyncState row that only one writer can
// win. The loser steps back (rescheduled, nothing sent) instead of writing at the same moment, which could leave
// an older photo on top or a SharePoint profile with thumbnails from two photos. A claim lapses on its own after
// `claimMs` (a crashed instance cannot block a person for longer than one function run can last).

import { randomUUID } from 'node:crypto';
import type { WriteCommon } from '../messages/messageContracts';
import type { PhotoState, PhotoStatePatch, PhotoStatePort, WriteOutcome } from './PhotoStatePort';
import {
  decideOnClaimHeld,
  decideOnFailure,
  defaultWriteDecisionOptions,
  isM365Failure,
  outcomeOf,
  type M365Failure,
  type WriteDecision,
  type WriteTargetName,
} from './writeDecisions';

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

/** The subject of a write message: who, which photo, which attempt. */
export function subjectOf(write: WriteCommon & { force?: boolean }): WriteSubject {
  return {
    ...write.owner,
    contentHash: write.contentHash,
    receivedAt: write.receivedAt,
    attempt: write.attempt,
    ...(write.force ? { force: true } : {}),
  };
}

export interface WriteRequest {
  target: WriteTargetName;
  subject: WriteSubject;
  /** Performs the write; returns extra state to record (e.g. the Graph photo ETag). */
  perform(): Promise<PhotoStatePatch>;
  /** A chance to refine a permanent decision (e.g. the tenant's photo policy explains a 403). */
  refine?(failure: M365Failure, decision: WriteDecision): Promise<WriteDecision>;
}

export interface WriteDependencies {
  state: PhotoStatePort;
  /** Writes for one user and target run one at a time in this process (see KeyedSerializer). */
  serializer?: { run<T>(key: string, task: () => Promise<T>): Promise<T> };
  now?: () => Date;
  /** How long a claim on a person's row holds without being released (default: host.json functionTimeout, 5 min). */
  claimMs?: number;
  decisionOptions?: Partial<typeof defaultWriteDecisionOptions> & { random?: () => number };
}

/** What both writers' use cases need besides their own service port. */
export interface WriteTargetDependencies extends WriteDependencies {
  renditions: RenditionSource;
  /** The target is on in SYNC_TARGETS; off, its messages are completed as `disabled`. */
  enabled: boolean;
}

export interface WriteResult {
  outcome: WriteOutcome;
  code?: string;
  message?: string;
  delayMs?: number;
}

export function writePhotoToTarget(request: WriteRequest, deps: WriteDependencies): Promise<WriteResult> {
  const write = () => writeOnce(request, deps);
  return deps.serializer ? deps.serializer.run(`${request.target}/${request.subject.userId}`, write) : write();
}

export const defaultClaimMs = 5 * 60_000;

const releasedClaim = { writeClaimId: '', writeClaimExpiresAt: '' } as const;

async function writeOnce(request: WriteRequest, deps: WriteDependencies): Promise<WriteResult> {
  const { subject, target } = request;
  const at = (deps.now ?? (() => new Date()))();
  const now = at.toISOString();
  const claimId = randomUUID();
  const claim = await claimRow(request, deps, claimId, at.getTime());
  if (claim.kind === 'busy') {
    // The row stays the other writer's: nothing is recorded, so "where is this person's photo?" shows its write.
    const decision = decideOnClaimHeld(
      target,
      { userPrincipalName: subject.userPrincipalName, expiresAt: claim.holder.writeClaimExpiresAt },
      decisionOptionsFor(request, deps),
    );
    return resultOf(decision);
  }
  // Only our own claim is released: one that lapsed and was taken over belongs to the writer that took it.
  const ownClaimReleased = (state: PhotoState | undefined): PhotoStatePatch | undefined =>
    state?.writeClaimId === claimId ? releasedClaim : undefined;
  try {
    return await writeUnderClaim(request, deps, claim.state, now, ownClaimReleased);
  } catch (error) {
    // On its way to the host (which retries the message): let the retry in, whichever instance gets it.
    await deps.state.update(subject.userId, target, ownClaimReleased).catch(() => undefined);
    throw error;
  }
}

async function writeUnderClaim(
  request: WriteRequest,
  deps: WriteDependencies,
  current: PhotoState | undefined,
  now: string,
  release: (state: PhotoState | undefined) => PhotoStatePatch | undefined,
): Promise<WriteResult> {
  const { subject, target } = request;
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
    return { outcome: skip };
  }

  let extra: PhotoStatePatch;
  try {
    extra = await request.perform();
  } catch (error) {
    if (!isM365Failure(error)) throw error;
    return handleFailure(request, deps, error, now, release);
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
  return { outcome: 'written' };
}

type ClaimResult = { kind: 'claimed'; state: PhotoState | undefined } | { kind: 'busy'; holder: PhotoState };

/** Takes the person's row for this write unless another writer holds an unexpired claim on it. */
async function claimRow(
  request: WriteRequest,
  deps: WriteDependencies,
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

function decisionOptionsFor(request: WriteRequest, deps: WriteDependencies) {
  return { ...defaultWriteDecisionOptions, ...deps.decisionOptions, attempt: request.subject.attempt };
}

async function handleFailure(
  request: WriteRequest,
  deps: WriteDependencies,
  failure: Error & M365Failure,
  now: string,
  release: (state: PhotoState | undefined) => PhotoStatePatch | undefined,
): Promise<WriteResult> {
  let decision = decideOnFailure(request.target, failure, decisionOptionsFor(request, deps));
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
  return resultOf(decision);
}

/** The result a decision reports: a reschedule carries its delay for the message's next send. */
function resultOf(decision: Exclude<WriteDecision, { kind: 'throw' }>): WriteResult {
  const result = { outcome: outcomeOf[decision.kind], code: decision.code, message: decision.message };
  return decision.kind === 'reschedule' ? { ...result, delayMs: decision.delayMs } : result;
}
