// host.json sets `extensions.queues.messageEncoding` to base64 (the Functions default): every message this project
// puts on a queue outside an output binding must be encoded the same way, or the trigger cannot read it.

export function encodeQueueMessage(payload: object): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64');
}

export function decodeQueueMessage(text: string): unknown {
  return JSON.parse(Buffer.from(text, 'base64').toString('utf8')) as unknown;
}
