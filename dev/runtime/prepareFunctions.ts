// Checks each registration against what the local runtime can run, and resolves `%AppSetting%` references in
// binding options (queue names, paths, schedules, routes) the way the host does before it starts listeners.

import type { RpcBindingInfo } from './coreTypes';
import type { RegisteredFunction } from './functionsCore';
import { resolveSettingReferences } from './appSettings';
import { LocalRuntimeError } from './LocalRuntimeError';

const supported = new Set(['blobTrigger', 'queueTrigger', 'httpTrigger', 'timerTrigger', 'queue', 'http']);

export interface FunctionSummary {
  name: string;
  trigger: 'blob' | 'queue' | 'http' | 'timer';
  /** The container path, queue name, route or schedule, for the start banner. */
  detail: string;
}

export function prepareFunctions(
  functions: RegisteredFunction[],
  env: Record<string, string | undefined>,
): RegisteredFunction[] {
  return functions.map((fn) => {
    const bindings: Record<string, RpcBindingInfo> = {};
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (!supported.has(String(binding.type))) {
        throw new LocalRuntimeError(
          'unsupported-binding',
          `${fn.metadata.name}: binding "${name}" of type ${String(binding.type)} is not supported by the local runtime ` +
            `(supported: ${[...supported].join(', ')}). Use the storage SDK through the composition root instead.`,
        );
      }
      const resolved: RpcBindingInfo = { ...binding };
      for (const key of ['path', 'queueName', 'schedule', 'route', 'connection']) {
        const value = resolved[key];
        if (typeof value === 'string') resolved[key] = resolveSettingReferences(value, env);
      }
      bindings[name] = resolved;
    }
    return { ...fn, metadata: { ...fn.metadata, bindings } };
  });
}

export function summarise(fn: RegisteredFunction, routePrefix: string): FunctionSummary {
  const trigger = Object.values(fn.metadata.bindings).find((b) => String(b.type).endsWith('Trigger')) ?? {};
  const name = fn.metadata.name;
  switch (trigger.type) {
    case 'blobTrigger': {
      // An Event Grid source also takes events posted to the blob extension's webhook (eventGridBlobWebhook.ts).
      const events =
        String(trigger.source).toLowerCase() === 'eventgrid'
          ? `; Event Grid: POST /runtime/webhooks/blobs?functionName=Host.Functions.${name}`
          : '';
      return { name, trigger: 'blob', detail: `${String(trigger.path)}${events}` };
    }
    case 'queueTrigger':
      return { name, trigger: 'queue', detail: String(trigger.queueName) };
    case 'timerTrigger':
      return { name, trigger: 'timer', detail: String(trigger.schedule) };
    default: {
      const methods = Array.isArray(trigger.methods) ? trigger.methods.join(',') : 'ANY';
      const route = typeof trigger.route === 'string' && trigger.route ? trigger.route : name;
      return { name, trigger: 'http', detail: `${methods} /${routePrefix ? `${routePrefix}/` : ''}${route}` };
    }
  }
}
