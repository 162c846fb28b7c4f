// Runs one invocation the way the Node worker does: the programming model (the `@azure/functions` library) turns
// RPC-shaped input into the handler's arguments, hooks run around the handler, and the library converts the
// result and `context.extraOutputs` back into RPC output data, which the caller then applies (queue messages, HTTP).
// Worker reference: https://github.com/Azure/azure-functions-nodejs-worker/blob/v3.x/src/eventHandlers/InvocationHandler.ts

import { inspect } from 'node:util';
import type {
  CoreInvocationContext,
  HookData,
  RpcInvocationRequest,
  RpcInvocationResponse,
  RpcLogCategory,
  RpcLogLevel,
} from './coreTypes';
import { getProgrammingModel, hooksNamed, type RegisteredFunction } from './functionsCore';

export type InvocationLogSink = (level: RpcLogLevel, category: RpcLogCategory, message: string) => void;

export interface InvocationRequest {
  invocationId: string;
  inputData: RpcInvocationRequest['inputData'];
  triggerMetadata?: RpcInvocationRequest['triggerMetadata'];
  retryContext?: RpcInvocationRequest['retryContext'];
}

async function runHooks(name: 'preInvocation' | 'postInvocation', context: Record<string, unknown>): Promise<void> {
  for (const hook of hooksNamed(name)) await hook(context);
}

export async function invokeRegisteredFunction(
  fn: RegisteredFunction,
  request: InvocationRequest,
  options: { appHookData: HookData; log: InvocationLogSink },
): Promise<RpcInvocationResponse> {
  const functionId = fn.metadata.functionId ?? fn.metadata.name;
  const coreCtx: CoreInvocationContext = {
    invocationId: request.invocationId,
    request: { ...request, functionId },
    metadata: { name: fn.metadata.name, functionId, bindings: fn.metadata.bindings },
    log: options.log,
  };
  const model = getProgrammingModel().getInvocationModel(coreCtx);
  const { context, inputs } = await model.getArguments();
  const hookData: HookData = {};

  const pre = {
    hookData,
    appHookData: options.appHookData,
    invocationContext: context,
    inputs,
    functionCallback: fn.callback,
  };
  coreCtx.state = 'preInvocationHooks';
  await runHooks('preInvocation', pre);

  coreCtx.state = 'invocation';
  let result: unknown;
  let error: unknown;
  try {
    result = await model.invokeFunction(context, pre.inputs, pre.functionCallback);
  } catch (thrown) {
    error = thrown;
  }

  const post = {
    hookData,
    appHookData: options.appHookData,
    invocationContext: context,
    inputs: pre.inputs,
    result,
    error,
  };
  coreCtx.state = 'postInvocationHooks';
  await runHooks('postInvocation', post);
  coreCtx.state = undefined;
  if (post.error !== undefined && post.error !== null) {
    throw post.error instanceof Error
      ? post.error
      : new Error(`The function threw a non-Error value: ${inspect(post.error)}`);
  }
  return model.getResponse(context, post.result);
}
