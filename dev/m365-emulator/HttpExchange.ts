// The emulator's handlers take a request value and return a response value instead of writing to a socket, so
// Graph `$batch` can run each inner request through exactly the same routes as a top-level request.

export interface EmulatorRequest {
  method: string;
  /** Absolute URL; `pathname` is kept raw (percent-encoded) as received. */
  url: URL;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body?: Buffer | string;
}

export function jsonResponse(status: number, value: unknown, headers: Record<string, string> = {}): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(value),
  };
}

export function emptyResponse(status: number, headers: Record<string, string> = {}): EmulatorResponse {
  return { status, headers };
}

export function bytesResponse(status: number, contentType: string, body: Buffer): EmulatorResponse {
  return { status, headers: { 'content-type': contentType }, body };
}

export function readJsonBody(request: EmulatorRequest): unknown {
  if (request.body.length === 0) return undefined;
  return JSON.parse(request.body.toString('utf8')) as unknown;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
