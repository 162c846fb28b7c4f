// The flow both writers share: claim the person's row, skip what is already there, write, record, and turn a failure
// into the decision of writeDecisions (reschedule, wait, record as permanent, dead-letter, or throw for the host to
// retry). A write of several steps (SharePoint: three uploads, four properties) records the steps it got done with
// its failure, so the next try of the same photo resumes at the step that failed instead of repeating the others.
// The result says what to do with the message (`rescheduled` with its delay, `dead-lettered` with its cause);
// handlePhotoWriteMessage turns that into queue sends for the edge to carry out.
// Within a process, writes for one person and target already run one at a time (KeyedSerializer). Across scaled-out
// instances the claim does it: an ETag-guarded update of the person's PhotoSyncState row that only one writer can
// win. The loser steps back (rescheduled, nothing sent) instead of writing at the same moment, which could leave
// an older photo on top or a SharePoint profile with thumbnails from two photos. A claim lapses on its own after
// `claimMs` (a crashed instance cannot block a person for longer than one function run can last), and sooner for the
// message whose delivery died holding it: the queue hands a message out again only once its holder stopped renewing
// it, so a delivery that finds a claim left by an earlier delivery of the same message (same `deliveryKey`) takes it
// over instead of stepping back for minutes.

import { randomUUID } from 'node:crypto';
import { protectedAccountMessage, type ProtectedAccountsPort } from '../ingest/ProtectedAccountsPort';
import type { WriteCommon } from '../messages/messageContracts';
import type { PhotoState, PhotoStatePatch, PhotoStatePort, WriteOutcome } from './PhotoStatePort';
import { coveredByRemoval } from './coveredByRemoval';
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
  /**
   * The queued write this is, the same for every delivery of one message (correlation id, content hash, attempt):
   * a redelivery takes over the claim its dead predecessor left. Absent: claims are never taken over early.
   */
  deliveryKey?: string;
}

/** The subject of a write message: who, which photo, which attempt. */
export function subjectOf(write: WriteCommon & { force?: boolean }): WriteSubject {
  return {
    ...write.owner,
    contentHash: write.contentHash,
    receivedAt: write.receivedAt,
    attempt: write.attempt,
    ...(write.force ? { force: true } : {}),
    deliveryKey: `${write.correlationId}/${write.contentHash}/${write.attempt}`,
  };
}

/** The steps of this photo's write already done by an earlier try; `mark` records one more as done. */
export interface ResumePoint {
  readonly done: ReadonlySet<string>;
  mark(step: string): void;
}

export interface WriteRequest {
  target: WriteTargetName;
  subject: WriteSubject;
  /** Performs the write (skipping the steps `resume` has done); returns extra state to record (e.g. an ETag). */
  perform(resume: ResumePoint): Promise<PhotoStatePatch>;
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
  /** PROTECTED_ACCOUNTS_GROUP_ID set: its members are never written, whatever the message says. */
  protectedAccounts?: ProtectedAccountsPort;
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
  const claimId = request.subject.deliveryKey ? `${request.subject.deliveryKey} ${randomUUID()}` : randomUUID();
  const claim = await claimRow(request, deps, claimId, at.getTime());
  if (claim.kind === 'busy') {
    // The row stays the other writer's: nothing is recorded, so "where is this person's photo?" shows its write.
    const decision = decideOnClaimHeld(
      target,
      { userId: subject.userId, expiresAt: claim.holder.writeClaimExpiresAt },
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
  const removedSince = coveredByRemoval(subject.receivedAt, [current]) !== undefined;
  const skip: WriteOutcome | undefined = removedSince
    ? 'skipped-stale'
    : subject.force
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

  if (await deps.protectedAccounts?.isProtected(subject.userId)) {
    // Recorded like any permanent outcome, so the status page says why nothing was written and a retry is pointless.
    await deps.state.update(subject.userId, target, (state) => ({
      lastOutcome: 'permanent-failure',
      lastErrorCode: 'protected-account',
      lastErrorMessage: protectedAccountMessage,
      updatedAt: now,
      ...release(state),
    }));
    return { outcome: 'permanent-failure', code: 'protected-account', message: protectedAccountMessage };
  }

  const resume = resumePointFor(current, subject.contentHash);
  let extra: PhotoStatePatch;
  try {
    extra = await request.perform(resume);
  } catch (error) {
    const progress = resume.progress();
    if (!isM365Failure(error)) {
      await deps.state.update(subject.userId, target, (state) => ({ ...progress, ...release(state) }));
      throw error;
    }
    return handleFailure(request, deps, error, { now, release, progress, waitingSince: current?.waitingSince });
  }
  await deps.state.update(subject.userId, target, (state) => ({
    userPrincipalName: subject.userPrincipalName,
    // After the message's UPN: a writer that looked the person up in the directory records the directory's.
    ...extra,
    lastContentHash: subject.contentHash,
    lastReceivedAt: subject.receivedAt,
    lastWrittenAt: now,
    lastOutcome: 'written',
    lastErrorCode: '',
    lastErrorMessage: '',
    waitingSince: '',
    resumeContentHash: '',
    resumeSteps: '',
    updatedAt: now,
    ...release(state),
  }));
  return { outcome: 'written' };
}

/** The steps recorded for this photo by an earlier try (none for another photo), and what this try adds. */
function resumePointFor(
  current: PhotoState | undefined,
  contentHash: string,
): ResumePoint & { progress(): PhotoStatePatch } {
  const earlier = current?.resumeContentHash === contentHash ? (current.resumeSteps ?? '') : '';
  const done = new Set(earlier.split(',').filter(Boolean));
  return {
    done,
    mark: (step) => void done.add(step),
    progress: () => ({ resumeContentHash: done.size > 0 ? contentHash : '', resumeSteps: [...done].join(',') }),
  };
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
    holder = undefined;
    // Our own claim already there: Table storage applied the claim but its reply was lost, so the SDK sent it again
    // and the precondition failed (409/412) and this runs on the row as re-read. It is ours, not another writer's:
    // stepping back from it would hold this person's write until the claim lapsed.
    if (current?.writeClaimId === claimId) return undefined;
    const expiresAt = current?.writeClaimExpiresAt ? Date.parse(current.writeClaimExpiresAt) : Number.NaN;
    const ours =
      request.subject.deliveryKey !== undefined && current?.writeClaimId?.startsWith(`${request.subject.deliveryKey} `);
    holder = current?.writeClaimId && expiresAt > nowMs && !ours ? current : undefined;
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

interface FailureContext {
  now: string;
  release: (state: PhotoState | undefined) => PhotoStatePatch | undefined;
  /** The steps done so far, recorded whatever the decision, so the next try resumes after them. */
  progress: PhotoStatePatch;
  waitingSince: string | undefined;
}

async function handleFailure(
  request: WriteRequest,
  deps: WriteDependencies,
  failure: Error & M365Failure,
  context: FailureContext,
): Promise<WriteResult> {
  const { now, release, progress } = context;
  const options = {
    ...decisionOptionsFor(request, deps),
    now: new Date(now),
    ...(context.waitingSince ? { waitingSince: context.waitingSince } : {}),
  };
  let decision = decideOnFailure(request.target, failure, options);
  if (request.refine && decision.kind === 'permanent') decision = await request.refine(failure, decision);
  const { userId } = request.subject;
  if (decision.kind === 'throw') {
    // Thrown to the host for its retries, with the claim released for whichever instance gets the retry.
    await deps.state.update(userId, request.target, (state) => ({ ...progress, ...release(state) }));
    throw failure;
  }
  const waitingSince = decision.kind === 'wait' ? decision.since : '';
  // Record before acting: a crash between the two leaves an honest state and a message that comes back.
  await deps.state.update(userId, request.target, (state) => ({
    userPrincipalName: request.subject.userPrincipalName,
    lastOutcome: outcomeOf[decision.kind],
    lastErrorCode: decision.code,
    lastErrorMessage: decision.message.slice(0, 2_000),
    waitingSince,
    ...progress,
    updatedAt: now,
    ...release(state),
  }));
  return resultOf(decision);
}

/** The result a decision reports: a reschedule or a wait carries its delay for the message's next send. */
function resultOf(decision: Exclude<WriteDecision, { kind: 'throw' }>): WriteResult {
  const result = { outcome: outcomeOf[decision.kind], code: decision.code, message: decision.message };
  return decision.kind === 'reschedule' || decision.kind === 'wait' ? { ...result, delayMs: decision.delayMs } : result;
}
