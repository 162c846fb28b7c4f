// The flow both writers share: skip what is already there, write, record, and turn a failure into the decision of
// writeDecisions (reschedule, record as permanent, dead-letter, or throw for the host to retry).

import type { PhotoStatePatch, PhotoStatePort, WriteOutcome } from './PhotoStatePort';
import {
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

async function writeOnce<M>(request: WriteRequest<M>, deps: WriteDependencies<M>): Promise<WriteResult> {
  const { subject, target } = request;
  const now = (deps.now ?? (() => new Date()))().toISOString();
  const current = await deps.state.get(subject.userId, target);
  const skip: WriteOutcome | undefined = subject.force
    ? undefined
    : current?.lastContentHash === subject.contentHash
      ? 'skipped-duplicate'
      : current?.lastReceivedAt && subject.receivedAt < current.lastReceivedAt
        ? 'skipped-stale'
        : undefined;
  if (skip) {
    await deps.state.update(subject.userId, target, () => ({ lastOutcome: skip, updatedAt: now }));
    return { outcome: skip };
  }

  let extra: PhotoStatePatch;
  try {
    extra = await request.perform();
  } catch (error) {
    if (!isM365Failure(error)) throw error;
    return handleFailure(request, deps, error, now);
  }
  await deps.state.update(subject.userId, target, () => ({
    ...extra,
    userPrincipalName: subject.userPrincipalName,
    lastContentHash: subject.contentHash,
    lastReceivedAt: subject.receivedAt,
    lastWrittenAt: now,
    lastOutcome: 'written',
    lastErrorCode: '',
    lastErrorMessage: '',
    updatedAt: now,
  }));
  return { outcome: 'written' };
}

async function handleFailure<M>(
  request: WriteRequest<M>,
  deps: WriteDependencies<M>,
  failure: Error & M365Failure,
  now: string,
): Promise<WriteResult> {
  const options = { ...defaultWriteDecisionOptions, ...deps.decisionOptions, attempt: request.subject.attempt };
  let decision = decideOnFailure(request.target, failure, options);
  if (request.refine && decision.kind === 'permanent') decision = await request.refine(failure, decision);
  if (decision.kind === 'throw') throw failure;

  // Record before acting: a crash between the two leaves an honest state and a message that comes back.
  await deps.state.update(request.subject.userId, request.target, () => ({
    userPrincipalName: request.subject.userPrincipalName,
    lastOutcome: outcomeOf[decision.kind],
    lastErrorCode: decision.code,
    lastErrorMessage: decision.message.slice(0, 2_000),
    updatedAt: now,
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
