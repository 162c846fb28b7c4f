// Queue trigger on photo-changes: check the message, run processPhotoChange, queue what it decided (a SharePoint
// write, or with PHOTO_AUTHORITY=hr an Exchange write putting the HR photo back), log one line.
// Graph failures follow the writers' rules (writeDecisions): throttling is rescheduled with a visibility delay,
// permanent answers (no mailbox...) are logged and completed, other transient failures throw for the host to retry.

import { app, output, type InvocationContext } from '@azure/functions';
import {
  getDirectory,
  getGraphClient,
  getPhotoBlobStore,
  getPhotoChangeStateStore,
  getWriteRescheduler,
} from '../compositionRoot';
import { getConfig } from '../config';
import { graphPhotoPort } from '../m365/GraphPhotoChangePorts';
import type { PhotoChangeMessage, PhotoOwner } from '../pipeline/messages';
import { checkPhotoChangeMessage } from '../pipeline/notifications/checkPhotoChangeMessage';
import { settleDelay } from '../pipeline/notifications/settleDelay';
import { processPhotoChange, type PhotoChangeOutcome } from '../pipeline/processPhotoChange';
import { renderRenditions } from '../pipeline/renderRenditions';
import { decideOnFailure, defaultWriteDecisionOptions, isM365Failure } from '../pipeline/writeDecisions';
import { queues, storageConnection } from '../storage/names';

const sharePointWritesOutput = output.storageQueue({
  queueName: queues.sharePointPhotoWrites,
  connection: storageConnection,
});
const exchangeWritesOutput = output.storageQueue({
  queueName: queues.exchangePhotoWrites,
  connection: storageConnection,
});

async function renderAndStore(owner: PhotoOwner, bytes: Buffer) {
  // Graph serves the photo it holds (often 648 px, sometimes as small as 48 px): ingest's minimum side is a rule
  // for HR uploads, not for a photo the person already shows in Outlook/Teams, so it is relaxed to 1 here.
  const rendered = await renderRenditions(bytes, { ...getConfig().ingest, minSide: 1 });
  const stored = await getPhotoBlobStore().writeRenditions(owner, rendered.contentHash, rendered);
  return {
    contentHash: rendered.contentHash,
    thumbnails: { small: stored.small, medium: stored.medium, large: stored.large },
  };
}

function detailsOf(outcome: PhotoChangeOutcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'skipped':
      return { reason: outcome.reason };
    case 'propagated':
      return { mediaEtag: outcome.mediaEtag, contentHash: outcome.contentHash };
    case 'restored-hr':
      return { replacedEtag: outcome.replacedEtag, contentHash: outcome.exchangeWrite.exchangePhotoWrite.contentHash };
    case 'rejected':
      return { code: outcome.code, mediaEtag: outcome.mediaEtag };
    case 'removed-left-as-is':
      return {};
  }
}

export async function processPhotoChangeHandler(entry: unknown, context: InvocationContext): Promise<void> {
  const startedAt = Date.now();
  const rescheduler = getWriteRescheduler().forQueue<PhotoChangeMessage>(queues.photoChanges);
  const check = checkPhotoChangeMessage(entry);
  if (!check.ok) {
    await rescheduler.deadLetter(entry as PhotoChangeMessage, { code: 'malformed-message', message: check.reason });
    context.warn(
      JSON.stringify({
        event: 'photo-change',
        outcome: 'dead-lettered',
        code: 'malformed-message',
        reason: check.reason,
      }),
    );
    return;
  }
  const change = check.message.photoChange;
  const base = {
    event: 'photo-change',
    userId: change.userId,
    source: change.source,
    correlationId: change.correlationId,
  };
  const wait = settleDelay(change, new Date());
  if (wait > 0) {
    await rescheduler.reschedule(check.message, { delayMs: wait });
    context.info(JSON.stringify({ ...base, outcome: 'settling', delayMs: wait }));
    return;
  }
  const config = getConfig();
  let outcome: PhotoChangeOutcome;
  try {
    outcome = await processPhotoChange(change, {
      photos: graphPhotoPort(getGraphClient()),
      directory: getDirectory(),
      state: getPhotoChangeStateStore(),
      renditions: { renderAndStore },
      authority: config.photoAuthority,
    });
  } catch (error) {
    if (!isM365Failure(error)) throw error;
    const decision = decideOnFailure('exchange', error, { ...defaultWriteDecisionOptions, attempt: change.attempt });
    if (decision.kind === 'throw') throw error;
    const next: PhotoChangeMessage = { photoChange: { ...change, attempt: change.attempt + 1 } };
    if (decision.kind === 'reschedule') await rescheduler.reschedule(next, { delayMs: decision.delayMs });
    if (decision.kind === 'dead-letter') await rescheduler.deadLetter(next, decision);
    context.warn(JSON.stringify({ ...base, outcome: decision.kind, code: decision.code, reason: decision.message }));
    return;
  }
  if (outcome.kind === 'propagated' && config.targets.sharePoint) {
    context.extraOutputs.set(sharePointWritesOutput, [outcome.sharePointWrite]);
  }
  if (outcome.kind === 'restored-hr') {
    context.extraOutputs.set(exchangeWritesOutput, [outcome.exchangeWrite]);
    // PHOTO_AUTHORITY=hr: the person's own photo is being replaced; an operator should be able to see that.
    context.warn(JSON.stringify({ ...base, outcome: outcome.kind, ...detailsOf(outcome), authority: 'hr' }));
    return;
  }
  context.info(
    JSON.stringify({ ...base, outcome: outcome.kind, ...detailsOf(outcome), durationMs: Date.now() - startedAt }),
  );
}

app.storageQueue('processPhotoChange', {
  queueName: queues.photoChanges,
  connection: storageConnection,
  extraOutputs: [sharePointWritesOutput, exchangeWritesOutput],
  handler: processPhotoChangeHandler,
});
