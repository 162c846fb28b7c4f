// One operation id end to end in the local stack: a photo dropped into photos-incoming runs ingestPhoto, then
// writeExchangePhoto and writeSharePointPhoto as separate invocations (queue messages in between), and every span
// they produce has the same trace id, the photo's correlation id. Observed with an in-memory span exporter.

import { BlobServiceClient } from '@azure/storage-blob';
import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import sharp from 'sharp';
import '../../../src/telemetry/photoOperationHook';
import { containers } from '../../../src/storage/names';
import { startTestStack, waitFor, type LocalStack } from '../../support/localStackFixture';

const spans = new InMemorySpanExporter();
const tracerProvider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
let stack: LocalStack;

beforeAll(async () => {
  tracerProvider.register();
  stack = await startTestStack();
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  await tracerProvider.shutdown();
});

const byName = (name: string) => (s: ReadableSpan) => s.name === name;

it('gives ingest and both writers of one photo the same operation id, and another photo another one', async () => {
  const users = stack.emulator.users.filter((u) => u.mailbox === 'exchangeOnline').slice(0, 2);
  if (users.length < 2) throw new Error('the demo tenant needs two users with a mailbox');
  const incoming = BlobServiceClient.fromConnectionString(stack.storageConnectionString).getContainerClient(
    containers.incoming,
  );
  for (const [i, user] of users.entries()) {
    const photo = await sharp({
      create: { width: 400, height: 400, channels: 3, background: i ? '#aa2266' : '#2266aa' },
    })
      .jpeg()
      .toBuffer();
    await incoming.getBlockBlobClient(`${user.userPrincipalName}.jpg`).uploadData(photo);
  }

  const finished = await waitFor(
    () => {
      const all = spans.getFinishedSpans();
      const done = ['ingestPhoto', 'writeExchangePhoto', 'writeSharePointPhoto'].every(
        (name) => all.filter(byName(name)).length >= 2,
      );
      return done ? all : undefined;
    },
    { what: 'spans of both photos through ingest and both writers', timeoutMs: 30_000, intervalMs: 100 },
  );

  const ingests = finished.filter(byName('ingestPhoto'));
  const operationIds = new Set(ingests.map((s) => s.spanContext().traceId));
  expect(operationIds.size).toBe(2);
  for (const operationId of operationIds) {
    const path = finished.filter((s) => s.spanContext().traceId === operationId).map((s) => s.name);
    expect(path).toEqual(expect.arrayContaining(['ingestPhoto', 'writeExchangePhoto', 'writeSharePointPhoto']));
    const correlationIds = new Set(
      finished.filter((s) => s.spanContext().traceId === operationId).map((s) => s.attributes['photo.correlation_id']),
    );
    expect(correlationIds.size).toBe(1);
    expect(String([...correlationIds][0]).replace(/-/g, '')).toBe(operationId);
  }
  // Each step is its own invocation: distinct invocation ids under one operation.
  const invocations = new Set(finished.map((s) => s.attributes['faas.invocation_id']));
  expect(invocations.size).toBeGreaterThanOrEqual(6);
});
