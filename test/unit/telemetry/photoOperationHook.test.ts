// The hook that puts each invocation into its photo's operation, with real InvocationContext objects: which
// correlation id each trigger kind yields, and that the wrapped handler runs under it and keeps its result.

import { randomUUID } from 'node:crypto';
import { InvocationContext, input, trigger } from '@azure/functions';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { currentOperationId, traceIdForCorrelation } from '../../../src/telemetry/photoOperation';
import {
  correlationIdOfInvocation,
  correlationIdOfMessage,
  wrapInPhotoOperation,
} from '../../../src/telemetry/photoOperationHook';

const spans = new InMemorySpanExporter();
const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(spans)] });
beforeAll(() => provider.register());
afterAll(() => provider.shutdown());

function context(functionName: string, kind: 'queue' | 'blob' | 'http'): InvocationContext {
  const triggers = {
    queue: trigger.storageQueue({ queueName: 'exchange-photo-writes', connection: 'AzureWebJobsStorage' }),
    blob: trigger.storageBlob({
      path: 'photos-incoming/{name}',
      connection: 'AzureWebJobsStorage',
      source: 'EventGrid',
    }),
    http: trigger.http({}),
  };
  return new InvocationContext({
    invocationId: randomUUID(),
    functionName,
    options: { trigger: triggers[kind], extraInputs: [input.generic({ type: 'none' })] },
    traceContext: { traceParent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' },
  });
}

describe('photo operation hook', () => {
  it('takes the correlation id from the one payload object of a queue message', () => {
    const id = randomUUID();
    expect(correlationIdOfMessage({ exchangePhotoWrite: { correlationId: id, attempt: 0 } })).toBe(id);
    expect(correlationIdOfMessage({ exchangePhotoWrite: { attempt: 0 } })).toBeUndefined();
    expect(correlationIdOfMessage('text')).toBeUndefined();
    expect(correlationIdOfMessage(null)).toBeUndefined();
  });

  it('uses the invocation id for the blob trigger and nothing for HTTP', () => {
    const blob = context('ingestPhoto', 'blob');
    expect(correlationIdOfInvocation(blob, Buffer.from('x'))).toBe(blob.invocationId);
    expect(correlationIdOfInvocation(context('graphNotifications', 'http'), {})).toBeUndefined();
  });

  it('runs a queue handler in the operation of its message and returns what the handler returned', async () => {
    const id = randomUUID();
    const ctx = context('writeExchangePhoto', 'queue');
    const message = { exchangePhotoWrite: { correlationId: id } };
    const wrapped = wrapInPhotoOperation(() => Promise.resolve(currentOperationId()), ctx, message);
    expect(await wrapped(message, ctx)).toBe(traceIdForCorrelation(id));
    const [span] = spans.getFinishedSpans();
    expect(span?.name).toBe('writeExchangePhoto');
    expect(span?.attributes['faas.invocation_id']).toBe(ctx.invocationId);
  });

  it('leaves functions outside a photo path untouched', () => {
    const handler = () => 'same';
    expect(wrapInPhotoOperation(handler, context('graphNotifications', 'http'), {})).toBe(handler);
  });
});
