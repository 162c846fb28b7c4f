import { QueueClient } from '@azure/storage-queue';
import type { InvocationCompletedEvent, InvocationStartedEvent } from '../../../dev/runtime/invocationEvents';
import { observationsOf } from '../../fixtures/runtimeApp/observations';
import { workQueue } from '../../fixtures/runtimeApp/processWork';
import { uniqueName, waitFor, type StorageOnlyStack } from '../../support/localStackFixture';
import { startFixtureAppStack } from '../../support/startFixtureAppStack';

const fanOutQueue = uniqueName('fanout');
let stack: StorageOnlyStack;
const started: InvocationStartedEvent[] = [];
const completed: InvocationCompletedEvent[] = [];

const encode = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64');
const decode = (text: string) => Buffer.from(text, 'base64').toString('utf8');

function queue(name: string): QueueClient {
  return new QueueClient(stack.storageConnectionString, name);
}

async function drain(name: string): Promise<string[]> {
  const texts: string[] = [];
  for (;;) {
    const { receivedMessageItems } = await queue(name).receiveMessages({ numberOfMessages: 32 });
    if (receivedMessageItems.length === 0) return texts;
    texts.push(...receivedMessageItems.map((m) => m.messageText));
  }
}

beforeAll(async () => {
  stack = await startFixtureAppStack({ fanOutQueue });
  stack.host.on('invocationStarted', (e) => started.push(e));
  stack.host.on('invocationCompleted', (e) => completed.push(e));
});

afterAll(async () => {
  await stack?.stop();
});

test('a base64 JSON message reaches the handler parsed, with the queue trigger metadata', async () => {
  const sent = await queue(workQueue).sendMessage(encode({ work: { tag: 'parsed' } }));
  const observation = await waitFor(
    () => observationsOf('processWork').find((o) => o.triggerMetadata?.id === sent.messageId),
    {
      what: 'the message to be processed',
    },
  );
  expect(observation.input).toEqual({ work: { tag: 'parsed' } });
  expect(observation.triggerMetadata).toMatchObject({
    id: sent.messageId,
    dequeueCount: 1,
    queueTrigger: { work: { tag: 'parsed' } },
  });
  expect(typeof observation.triggerMetadata?.popReceipt).toBe('string');
  expect(new Date(String(observation.triggerMetadata?.insertionTime)).getTime()).toBeGreaterThan(0);
  expect(new Date(String(observation.triggerMetadata?.expirationTime)).getTime()).toBeGreaterThan(Date.now());
  await waitFor(async () => (await queue(workQueue).getProperties()).approximateMessagesCount === 0, {
    what: 'the message to be deleted',
  });
});

test('a failing message is retried after visibilityTimeout with a rising dequeueCount, then moved to the poison queue', async () => {
  const body = encode({ work: { fail: true, tag: 'poison' } });
  const sent = await queue(workQueue).sendMessage(body);
  const poisoned = await waitFor(async () => (await drain(`${workQueue}-poison`)).find((text) => text === body), {
    what: 'the message on the poison queue',
    timeoutMs: 20_000,
  });
  expect(decode(poisoned)).toBe(JSON.stringify({ work: { fail: true, tag: 'poison' } }));

  const tries = observationsOf('processWork').filter((o) => o.triggerMetadata?.id === sent.messageId);
  expect(tries.map((t) => t.triggerMetadata?.dequeueCount)).toEqual([1, 2, 3]);
  // host.json (fixture) says visibilityTimeout 00:00:01: no retry may start sooner after a failure.
  const ends = completed.filter((e) => e.trigger.kind === 'queue' && e.trigger.messageId === sent.messageId);
  const starts = started.filter((e) => e.trigger.kind === 'queue' && e.trigger.messageId === sent.messageId);
  expect(ends.map((e) => e.outcome)).toEqual(['failed', 'failed', 'failed']);
  for (let i = 1; i < starts.length; i += 1) {
    const gap = starts[i]!.startedAt.getTime() - (ends[i - 1]!.startedAt.getTime() + ends[i - 1]!.durationMs);
    expect(gap).toBeGreaterThanOrEqual(900);
  }
  expect(await queue(workQueue).getProperties()).toMatchObject({ approximateMessagesCount: 0 });
}, 30_000);

test('an array set on a queue output becomes one base64 message per element', async () => {
  const items = [{ user: 'adele' }, { user: 'megan' }, 'plain text'];
  await queue(workQueue).sendMessage(encode({ work: { fanOut: items } }));
  const received: string[] = [];
  await waitFor(
    async () => {
      received.push(...(await drain(fanOutQueue)));
      return received.length >= 3;
    },
    { what: 'three fan-out messages' },
  );
  expect(received.map(decode).sort()).toEqual(
    [JSON.stringify({ user: 'adele' }), JSON.stringify({ user: 'megan' }), 'plain text'].sort(),
  );
});
