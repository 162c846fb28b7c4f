// The one place where decisions become queue operations and log lines, for every trigger. Use cases decide (see
// src/pipeline/messages/Decision.ts); this carries out, in the order that loses nothing: queue the messages, park the
// dead letters, write the log lines, and only then return, so the trigger's own message or blob is acknowledged last.
// A send goes through the queue client, not an output binding: an output binding is written by the host after the
// handler returns, which would put "acknowledged" (an archived original, a completed message) before "queued".
// - Messages are base64 JSON (host.json `messageEncoding`, see encodeQueueMessage).
// - A reschedule is a send with a visibility delay: a writer waits out Retry-After without holding a worker or
//   burning the host's dequeue count. Visibility is capped by the service at 7 days:
//   https://learn.microsoft.com/rest/api/storageservices/put-message
// - A dead letter goes to `{queue}-poison` (where the host would put it) with the cause beside the original payload.
// - Each queue is created once per process if missing, so a fresh account never loses a first message.

import type { QueueClient, QueueServiceClient } from '@azure/storage-queue';
import type { DeadLetter, Decision, QueueSend } from '../pipeline/messages/Decision';
import type { LogLine } from '../pipeline/messages/LogLine';
import { poisonQueueName, queues } from '../storage/names';
import { encodeQueueMessage } from '../storage/queueMessageEncoding';

const MAX_VISIBILITY_SECONDS = 7 * 24 * 60 * 60;
/** Sends in flight at once: enough to hide a round trip, few enough to leave sockets to the rest of the worker. */
const SENDS_IN_FLIGHT = 16;

/** Where log lines go: the invocation context (`context.info`, `context.warn`). */
export type LogSink = Record<LogLine['level'], (message: string) => void>;

export class DecisionExecutor {
  private readonly ready = new Map<string, Promise<QueueClient>>();

  constructor(
    private readonly queueService: QueueServiceClient,
    private readonly options: { now?: () => Date } = {},
  ) {}

  /** Carries out a whole decision: sends, then dead letters, then the log lines. */
  async carryOut(decision: Decision, log: LogSink): Promise<void> {
    await this.send(decision.sends);
    for (const letter of decision.deadLetters) await this.deadLetter(letter);
    writeLogs(decision.logs, log);
  }

  /** Queues messages now (ingest and reconcile send part-way through their work, before acknowledging it). */
  async send(sends: readonly QueueSend[]): Promise<void> {
    for (let i = 0; i < sends.length; i += SENDS_IN_FLIGHT) {
      await Promise.all(sends.slice(i, i + SENDS_IN_FLIGHT).map((send) => this.sendOne(send)));
    }
  }

  private async sendOne(send: QueueSend): Promise<void> {
    const queue = await this.queue(queues[send.queue]);
    const visibilityTimeout = Math.min(MAX_VISIBILITY_SECONDS, Math.max(0, Math.ceil((send.delayMs ?? 0) / 1000)));
    await queue.sendMessage(encodeQueueMessage(send.message), visibilityTimeout > 0 ? { visibilityTimeout } : {});
  }

  private async deadLetter(letter: DeadLetter): Promise<void> {
    const poison = await this.queue(poisonQueueName(queues[letter.queue]));
    const at = (this.options.now ?? (() => new Date()))().toISOString();
    // A malformed message may not even be an object: keep it whole under `payload`.
    const { message } = letter;
    const body = message && typeof message === 'object' && !Array.isArray(message) ? message : { payload: message };
    await poison.sendMessage(encodeQueueMessage({ ...body, deadLetter: { ...letter.cause, at } }));
  }

  private queue(name: string): Promise<QueueClient> {
    let ready = this.ready.get(name);
    if (!ready) {
      const client = this.queueService.getQueueClient(name);
      ready = client.createIfNotExists().then(() => client);
      void ready.catch(() => this.ready.delete(name));
      this.ready.set(name, ready);
    }
    return ready;
  }
}

/** Writes each line as one JSON object, so its keys (event, outcome, code...) are the same wherever it is read. */
function writeLogs(lines: readonly LogLine[], log: LogSink): void {
  for (const line of lines) log[line.level](JSON.stringify(line.fields));
}
