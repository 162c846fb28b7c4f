// Queue output bindings (`output.storageQueue`): what the handler set in `context.extraOutputs` or returned becomes
// messages after a successful invocation. As in the Functions host, a JSON array means one message per element,
// objects are serialised as JSON, and every message is base64-encoded unless host.json says `messageEncoding: none`.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-queue-output

import type { RpcInvocationResponse, RpcTypedData } from './coreTypes';
import type { RegisteredFunction } from './functionsCore';
import type { StorageConnections } from './StorageConnections';

function messagesFrom(data: RpcTypedData | null | undefined): (string | Buffer)[] {
  if (!data) return [];
  if (typeof data.string === 'string') return [data.string];
  if (data.bytes) return [Buffer.from(data.bytes)];
  if (typeof data.int === 'number') return [String(data.int)];
  if (typeof data.double === 'number') return [String(data.double)];
  if (typeof data.json === 'string') {
    const value = JSON.parse(data.json) as unknown;
    const items = Array.isArray(value) ? value : [value];
    return items
      .filter((item) => item !== null && item !== undefined)
      .map((item) => (typeof item === 'string' ? item : JSON.stringify(item)));
  }
  return [];
}

export class QueueOutputWriter {
  constructor(
    private readonly storage: StorageConnections,
    private readonly options: { messageEncoding: 'base64' | 'none'; onSent: (queueName: string) => void },
  ) {}

  async apply(fn: RegisteredFunction, response: RpcInvocationResponse): Promise<void> {
    for (const [name, binding] of Object.entries(fn.metadata.bindings)) {
      if (binding.direction !== 'out' || binding.type !== 'queue') continue;
      const data = name === '$return' ? response.returnValue : response.outputData?.find((o) => o.name === name)?.data;
      const messages = messagesFrom(data);
      if (messages.length === 0) continue;
      const queueName = String(binding.queueName);
      const queue = await this.storage.existingQueue(binding.connection, queueName);
      for (const message of messages) {
        const bytes = typeof message === 'string' ? Buffer.from(message, 'utf8') : message;
        const text = this.options.messageEncoding === 'base64' ? bytes.toString('base64') : bytes.toString('utf8');
        await queue.sendMessage(text);
      }
      this.options.onSent(queueName);
    }
  }
}
