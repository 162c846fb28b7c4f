// Puts every photo step into the photo's operation without touching the entry points: a pre-invocation hook
// (https://learn.microsoft.com/azure/azure-functions/functions-node-hooks) wraps the handler in
// withPhotoOperation. The correlation id comes from where the pipeline already keeps it: ingest uses its
// invocation id (src/functions/ingestPhoto.ts), and every queue message carries `correlationId` in its payload.
// HTTP and timer functions start no photo operation themselves; the changes they queue carry their own id.
// Importing this module registers the hook once per process.

import { app, type FunctionHandler, type InvocationContext, type PreInvocationContext } from '@azure/functions';
import { withPhotoOperation } from './photoOperation';

/** The `correlationId` of a queue message `{ someWrite: { correlationId, ... } }`, if it has one. */
export function correlationIdOfMessage(message: unknown): string | undefined {
  if (!message || typeof message !== 'object' || Array.isArray(message)) return undefined;
  for (const value of Object.values(message)) {
    const id = (value as { correlationId?: unknown } | null)?.correlationId;
    if (typeof id === 'string' && id) return id;
  }
  return undefined;
}

function triggerType(context: InvocationContext): string | undefined {
  return context.options.trigger.type;
}

/** The correlation id an invocation belongs to, or undefined for functions outside a photo's path. */
export function correlationIdOfInvocation(context: InvocationContext, triggerInput: unknown): string | undefined {
  switch (triggerType(context)) {
    case 'blobTrigger':
    case 'eventGridTrigger':
      return context.invocationId;
    case 'queueTrigger':
      return correlationIdOfMessage(triggerInput);
    default:
      return undefined;
  }
}

export function wrapInPhotoOperation(
  handler: FunctionHandler,
  context: InvocationContext,
  triggerInput: unknown,
): FunctionHandler {
  const correlationId = correlationIdOfInvocation(context, triggerInput);
  if (!correlationId) return handler;
  const traceParent = context.traceContext?.traceParent;
  return (input: unknown, invocationContext: InvocationContext) =>
    withPhotoOperation(
      context.functionName,
      correlationId,
      () => Promise.resolve(handler(input, invocationContext) as unknown),
      {
        attributes: { 'faas.invocation_id': context.invocationId, 'faas.trigger': triggerType(context) ?? 'unknown' },
        ...(traceParent ? { invocationTraceParent: traceParent } : {}),
      },
    );
}

app.hook.preInvocation((hookContext: PreInvocationContext) => {
  hookContext.functionHandler = wrapInPhotoOperation(
    hookContext.functionHandler,
    hookContext.invocationContext,
    hookContext.inputs[0],
  );
});
