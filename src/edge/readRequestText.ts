// Reads an HTTP request's body as text without ever holding more than `maxBytes` of it: an endpoint anyone can POST
// to must not buffer a body of any size before it decides the body is too large. A declared Content-Length over the
// limit is refused before a byte is read; a body without one (chunked) is read until it passes the limit.

import type { HttpRequest } from '@azure/functions';

export type RequestText = { ok: true; text: string } | { ok: false; reason: 'too-large' };

export async function readRequestText(
  request: Pick<HttpRequest, 'headers' | 'body'>,
  maxBytes: number,
): Promise<RequestText> {
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (Number.isFinite(declared) && declared > maxBytes) return { ok: false, reason: 'too-large' };
  const reader = request.body?.getReader();
  if (!reader) return { ok: true, text: '' };
  const chunks: Uint8Array[] = [];
  let length = 0;
  for (;;) {
    const { done, value } = (await reader.read()) as { done: boolean; value?: Uint8Array };
    if (done) break;
    if (!value) continue;
    length += value.byteLength;
    if (length > maxBytes) {
      await reader.cancel().catch(() => undefined);
      return { ok: false, reason: 'too-large' };
    }
    chunks.push(value);
  }
  return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
}
