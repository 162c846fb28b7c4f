// HTTP triggers on one `node:http` server, routed like the Functions host: `/{routePrefix}/{route or name}`,
// route parameters (`{id}`, `{id?}`, `{*rest}`, constraints ignored), allowed methods, request → RPC http data →
// the library's HttpRequest, and its HttpResponse back. authLevel is not enforced locally, as in Core Tools
// ("when running locally, authorization is disabled"), so `?code=` and `x-functions-key` are accepted and ignored.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-http-webhook-trigger#customize-the-http-endpoint

import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { RpcHttpData, RpcInvocationResponse } from './coreTypes';
import type { FunctionInvoker } from './FunctionInvoker';
import type { RegisteredFunction } from './functionsCore';
import { httpCookieHeader } from './httpCookieHeader';
import { LocalRuntimeError } from './LocalRuntimeError';

const loopbackHostNames = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True for a Host header naming this machine by a loopback name (any port); false when absent. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0];
  return loopbackHostNames.has((name ?? '').toLowerCase());
}

/** The host's default request size limit (100 MB). */
const maxBodyBytes = 100 * 1024 * 1024;

interface Route {
  fn: RegisteredFunction;
  triggerName: string;
  regex: RegExp;
  params: string[];
  methods: string[] | undefined;
}

function compileRoute(template: string): { regex: RegExp; params: string[] } {
  const params: string[] = [];
  const escape = (text: string) => text.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
  const source = template
    .replace(/^\/+|\/+$/g, '')
    .split('/')
    .map((segment) => {
      const whole = /^\{(\*)?([^}:=?]+)[^}?]*(\?)?\}$/.exec(segment);
      if (whole?.[1] || whole?.[3]) {
        params.push(whole[2] ?? '');
        return whole[1] ? '(?:/(.*))?' : '(?:/([^/]+))?';
      }
      const parts = segment.split(/(\{[^}]+\})/).filter((p) => p !== '');
      return (
        '/' +
        parts
          .map((part) => {
            const param = /^\{([^}:=?]+)[^}]*\}$/.exec(part);
            if (!param) return escape(part);
            params.push(param[1] ?? '');
            return '([^/]+)';
          })
          .join('')
      );
    })
    .join('');
  return { regex: new RegExp(`^${source}/?$`, 'i'), params };
}

export type WebhookHandler = (request: {
  query: URLSearchParams;
  headers: Record<string, string>;
  body: Buffer;
}) => Promise<{ status: number; headers?: Record<string, string>; body?: string }>;

/** Request headers by lower-case name, repeated ones joined. */
function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value;
  }
  return headers;
}

export class HttpTriggerServer {
  readonly #routes: Route[];
  readonly #server: Server;
  #port = 0;

  constructor(
    functions: RegisteredFunction[],
    private readonly options: {
      invoker: FunctionInvoker;
      routePrefix: string;
      port: number;
      /** `POST /admin/functions/{name}` runs a non-HTTP function now (the host's admin API); true when accepted. */
      runNow: (functionName: string) => boolean;
      /** `POST /runtime/webhooks/{extension}`, the extensions' endpoints (`blobs`: Event Grid blob events). */
      webhooks?: Record<string, WebhookHandler>;
    },
  ) {
    this.#routes = functions.map((fn) => {
      const [triggerName, trigger] = Object.entries(fn.metadata.bindings).find(([, b]) => b.type === 'httpTrigger') ?? [
        '',
        {},
      ];
      const prefix = options.routePrefix ? `${options.routePrefix}/` : '';
      const route = typeof trigger.route === 'string' && trigger.route ? trigger.route : fn.metadata.name;
      const methods = Array.isArray(trigger.methods) ? trigger.methods.map((m) => String(m).toUpperCase()) : undefined;
      return { fn, triggerName, methods, ...compileRoute(prefix + route) };
    });
    this.#server = createServer((req, res) => {
      this.#handle(req, res).catch(() => {
        if (!res.headersSent) res.writeHead(500);
        res.end();
      });
    });
  }

  get port(): number {
    return this.#port;
  }

  async start(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', (error: NodeJS.ErrnoException) =>
        reject(
          error.code === 'EADDRINUSE'
            ? new LocalRuntimeError('http-port-in-use', `Port ${this.options.port} is in use.`)
            : error,
        ),
      );
      this.#server.listen(this.options.port, '127.0.0.1', () => resolve());
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    if (!this.#server.listening) return;
    this.#server.closeIdleConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (!isLoopbackHost(req.headers.host)) {
      // DNS rebinding: a web page whose name now resolves to 127.0.0.1 reaches this port from the browser, with its own
      // name in Host. Nothing here has keys (the admin API runs any function), so only loopback names are served.
      req.resume();
      res.writeHead(421, { 'Content-Type': 'text/plain' }).end('Only localhost and 127.0.0.1 are served here.\n');
      return;
    }
    const url = new URL(req.url ?? '/', `http://localhost:${this.#port}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const path = decodeURI(url.pathname);
    const admin = /^\/admin\/functions\/([^/]+)\/?$/.exec(path);
    if (admin && method === 'POST') {
      req.resume();
      res.writeHead(this.options.runNow(admin[1] ?? '') ? 202 : 404).end();
      return;
    }
    const webhook = /^\/runtime\/webhooks\/([^/]+)\/?$/i.exec(path);
    if (webhook && method === 'POST') {
      const handler = this.options.webhooks?.[(webhook[1] ?? '').toLowerCase()];
      const body = handler && (await this.#readBody(req));
      if (!handler) req.resume();
      const response = !handler
        ? { status: 404 }
        : !body
          ? { status: 413 }
          : await handler({ query: url.searchParams, headers: flatHeaders(req), body });
      res.writeHead(response.status, response.headers).end(response.body);
      return;
    }
    let match: { route: Route; values: RegExpExecArray } | undefined;
    for (const route of this.#routes) {
      const values = route.regex.exec(path);
      if (values && (!route.methods || route.methods.includes(method))) {
        match = { route, values };
        break;
      }
    }
    if (!match) {
      res.writeHead(404).end();
      return;
    }
    const body = await this.#readBody(req);
    if (!body) {
      res.writeHead(413).end();
      return;
    }
    const { route, values } = match;
    const params: Record<string, string> = {};
    route.params.forEach((name, i) => {
      const value = values[i + 1];
      if (value !== undefined) params[name] = value;
    });
    const http: RpcHttpData = {
      method,
      url: url.toString(),
      headers: flatHeaders(req),
      query: Object.fromEntries(url.searchParams),
      params,
      body: { bytes: body },
    };
    let response: RpcInvocationResponse;
    try {
      response = await this.options.invoker.invoke(
        route.fn,
        { inputData: [{ name: route.triggerName, data: { http } }] },
        { kind: 'http', method, path },
      );
    } catch {
      // Same as the host: an unhandled error is a bare 500; the details are in the log line.
      if (!res.headersSent) res.writeHead(500).end();
      return;
    }
    this.#write(res, route.fn, response);
  }

  #readBody(req: IncomingMessage): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      let size = 0;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size <= maxBodyBytes) chunks.push(chunk);
      });
      req.on('end', () => resolve(size <= maxBodyBytes ? Buffer.concat(chunks) : undefined));
      req.on('error', reject);
    });
  }

  #write(res: ServerResponse, fn: RegisteredFunction, response: RpcInvocationResponse): void {
    const outName = Object.entries(fn.metadata.bindings).find(
      ([, b]) => b.direction === 'out' && b.type === 'http',
    )?.[0];
    const data =
      outName === '$return' ? response.returnValue : response.outputData?.find((o) => o.name === outName)?.data;
    const http = data?.http;
    if (!http) {
      res.writeHead(204).end();
      return;
    }
    const status = Number(http.statusCode) || 200;
    for (const [name, value] of Object.entries(http.headers ?? {})) res.setHeader(name, value);
    const cookies = (http.cookies ?? []).map(httpCookieHeader);
    if (cookies.length > 0) res.setHeader('set-cookie', cookies);
    const body = http.body?.bytes ? Buffer.from(http.body.bytes) : Buffer.from(http.body?.string ?? '', 'utf8');
    res.writeHead(status);
    res.end(body);
  }
}
