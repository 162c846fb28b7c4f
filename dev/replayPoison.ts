// `npm run replay-poison -- <queue> [--dry-run] [--max n] [--settings file | --account name]`: moves messages from
// `{queue}-poison` back to `{queue}` once the cause is fixed (a permission granted, an outage over). Two kinds of
// poison message exist: the host's (the original text after maxDequeueCount failed tries), sent back unchanged, and
// the writers' own dead letters (`{..., deadLetter: {code, message, at}}`), sent back without the `deadLetter` note
// and with `attempt` reset to 0 so the write gets its full retry budget again. A dead letter whose payload was
// malformed stays where it is: replaying it cannot succeed, and so does any message the queue's consumer would
// refuse as untrusted (a forgery parked in the poison queue). See docs/operations.md.

import { existsSync } from 'node:fs';
import type { QueueServiceClient } from '@azure/storage-queue';
import { Command, InvalidArgumentError } from 'commander';
import { loadStorageConfig } from '../src/config';
import { doctorSettings } from '../src/doctor/readSettingsFile';
import {
  checkExchangePhotoWriteMessage,
  checkPhotoChangeMessage,
  checkSharePointPhotoWriteMessage,
  type MessageCheck,
} from '../src/pipeline/messages/checkMessages';
import { checkPhotoRemovalMessage } from '../src/pipeline/status/removalMessages';
import { poisonQueueName, queues } from '../src/storage/names';
import { decodeQueueMessage, encodeQueueMessage } from '../src/storage/queueMessageEncoding';
import { createStorageClients } from '../src/storage/storageClients';

interface ReplayOptions {
  dryRun?: boolean;
  max: number;
  log?: (line: string) => void;
}

interface CliOptions extends ReplayOptions {
  settings?: string;
  account?: string;
}

type Replay = { kind: 'replay'; text: string; summary: string } | { kind: 'keep'; summary: string };

const replayable: string[] = Object.values(queues);

/** The check each queue's consumer runs: a message it would refuse is never replayed (it could be a forgery). */
const checks: Record<string, (value: unknown) => MessageCheck<object>> = {
  [queues.exchangePhotoWrites]: (value) => checkExchangePhotoWriteMessage(value),
  [queues.sharePointPhotoWrites]: (value) => checkSharePointPhotoWriteMessage(value),
  [queues.photoChanges]: (value) => checkPhotoChangeMessage(value),
  [queues.photoRemovals]: (value) => checkPhotoRemovalMessage(value),
};

/**
 * What to send back for one poison message of `queueName`, or why it stays. A message is replayed only when the
 * queue's consumer would accept it: the poison queue is written by anyone who can send to the queue, so replaying
 * does not launder a forged message into one that looks retried.
 */
export function planReplay(text: string, queueName?: string): Replay {
  const plan = planShape(text);
  const check = queueName ? checks[queueName] : undefined;
  if (plan.kind === 'keep' || !check) return plan;
  const verdict = check(decodeQueueMessage(plan.text));
  return verdict.ok ? plan : { kind: 'keep', summary: `${plan.summary}: ${verdict.code}, ${verdict.reason}` };
}

function planShape(text: string): Replay {
  let decoded: unknown;
  try {
    decoded = decodeQueueMessage(text);
  } catch {
    return { kind: 'keep', summary: 'not base64 JSON' };
  }
  if (!decoded || typeof decoded !== 'object' || Array.isArray(decoded))
    return { kind: 'keep', summary: 'not a JSON object' };
  const { deadLetter, ...rest } = decoded as Record<string, unknown> & { deadLetter?: { code?: string } };
  const [key, payload] = Object.entries(rest)[0] ?? [];
  const correlationId = (payload as { correlationId?: string } | undefined)?.correlationId ?? 'no correlation id';
  if (!deadLetter) return { kind: 'replay', text, summary: `${key ?? '?'} ${correlationId} (host poison)` };
  if (
    key === undefined ||
    key === 'payload' ||
    Object.keys(rest).length !== 1 ||
    !payload ||
    typeof payload !== 'object'
  ) {
    return { kind: 'keep', summary: `malformed message dead-lettered as ${deadLetter.code ?? 'unknown'}` };
  }
  const fresh = { [key]: { ...payload, attempt: 0 } };
  return {
    kind: 'replay',
    text: encodeQueueMessage(fresh),
    summary: `${key} ${correlationId} (was ${deadLetter.code ?? 'dead-lettered'})`,
  };
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return n;
}

export async function replayPoisonQueue(
  service: QueueServiceClient,
  queueName: string,
  options: ReplayOptions,
): Promise<{ replayed: number; left: number }> {
  const log = options.log ?? console.log;
  const target = service.getQueueClient(queueName);
  const poison = service.getQueueClient(poisonQueueName(queueName));
  if (options.dryRun) {
    // Peeking hides nothing, so a dry run leaves the queue exactly as it was (and sees at most 32 messages).
    const { peekedMessageItems } = await poison.peekMessages({ numberOfMessages: Math.min(32, options.max) });
    for (const item of peekedMessageItems) {
      const plan = planReplay(item.messageText, queueName);
      log(`${plan.kind === 'keep' ? 'keep' : 'would replay'} ${plan.summary}`);
    }
    return { replayed: 0, left: peekedMessageItems.length };
  }
  let replayed = 0;
  let left = 0;
  while (replayed + left < options.max) {
    const batch = Math.min(32, options.max - replayed - left);
    // Received messages stay invisible for 60 s: long enough to send and delete, and they come back if we crash.
    const { receivedMessageItems } = await poison.receiveMessages({ numberOfMessages: batch, visibilityTimeout: 60 });
    if (receivedMessageItems.length === 0) break;
    for (const item of receivedMessageItems) {
      const plan = planReplay(item.messageText, queueName);
      if (plan.kind === 'keep') {
        left += 1;
        log(`keep ${plan.summary}`);
        continue;
      }
      await target.sendMessage(plan.text);
      await poison.deleteMessage(item.messageId, item.popReceipt);
      replayed += 1;
      log(`replayed ${plan.summary}`);
    }
  }
  log(`${queueName}: ${replayed} replayed, ${left} left in ${poison.name}.`);
  return { replayed, left };
}

async function replayFromCli(queueName: string, options: CliOptions): Promise<void> {
  const file = options.settings ?? (existsSync('local.settings.json') ? 'local.settings.json' : undefined);
  const env = options.account
    ? { AzureWebJobsStorage__accountName: options.account }
    : doctorSettings(file, process.env);
  const clients = createStorageClients(loadStorageConfig(env));
  await replayPoisonQueue(clients.queues, queueName, options);
}

if (require.main === module) {
  new Command()
    .name('replay-poison')
    .argument('<queue>', `one of ${replayable.join(', ')}`, (value: string) => {
      if (!replayable.includes(value)) throw new InvalidArgumentError(`expected one of ${replayable.join(', ')}.`);
      return value;
    })
    .option('--dry-run', 'list what would be replayed (the first 32); move nothing')
    .option('--max <n>', 'replay at most this many messages', positiveInteger, 1000)
    .option(
      '--settings <file>',
      'local.settings.json-style file with AzureWebJobsStorage (default ./local.settings.json)',
    )
    .option('--account <name>', 'an Azure storage account, reached with your Entra sign-in (Queue Data Contributor)')
    .action((queueName: string, options: CliOptions) => replayFromCli(queueName, options))
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      console.error(`replay-poison: ${(error as Error).message}`);
      process.exitCode = 1;
    });
}
