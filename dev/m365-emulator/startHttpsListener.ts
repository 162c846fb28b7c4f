// One HTTPS listener = one "host" of Microsoft 365 (login, Graph, My Site, admin site). Always bound to 127.0.0.1;
// the certificate is issued by the dev CA for `localhost` and `127.0.0.1`.

import { createServer, type Server } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { EmulatorRequest, EmulatorResponse } from './HttpExchange';

/** `drop` closes the TCP connection without an answer (a fault the pipeline must survive). */
export type ListenerOutcome = EmulatorResponse | 'drop';

export interface HttpsListenerOptions {
  port: number;
  certPem: string;
  keyPem: string;
  handle: (request: EmulatorRequest) => Promise<ListenerOutcome>;
  /** Bodies above this are refused before they are buffered. */
  maxBodyBytes?: number;
}

export interface HttpsListener {
  origin: string;
  port: number;
  close(): Promise<void>;
}

export async function startHttpsListener(options: HttpsListenerOptions): Promise<HttpsListener> {
  const maxBodyBytes = options.maxBodyBytes ?? 32 * 1024 * 1024;
  const server: Server = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    void serve(req, res, options, maxBodyBytes);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  return {
    origin: `https://localhost:${port}`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, options: HttpsListenerOptions, max: number) {
  try {
    const body = await readBody(req, max);
    if (body === 'tooLarge') {
      res
        .writeHead(413, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'RequestEntityTooLarge', message: 'The request body is too large.' } }));
      return;
    }
    const headers: Record<string, string | undefined> = {};
    for (const [name, value] of Object.entries(req.headers)) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
    }
    const url = new URL(req.url ?? '/', `https://${req.headers.host ?? 'localhost'}`);
    const outcome = await options.handle({ method: req.method ?? 'GET', url, headers, body });
    if (outcome === 'drop') {
      req.socket.destroy();
      return;
    }
    const payload = outcome.body === undefined ? undefined : Buffer.from(outcome.body);
    res.writeHead(outcome.status, {
      ...outcome.headers,
      ...(payload ? { 'content-length': String(payload.length) } : { 'content-length': '0' }),
    });
    res.end(payload);
  } catch (error) {
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { code: 'EmulatorFailure', message: String(error) } }));
    } else {
      res.destroy();
    }
  }
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer | 'tooLarge'> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => resolve(tooLarge ? 'tooLarge' : Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
