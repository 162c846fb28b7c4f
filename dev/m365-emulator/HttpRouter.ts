// A tiny method + path router. Paths are matched after percent-decoding, because clients differ in what they encode
// (`$value` vs `%24value`, `@` vs `%40`, spaces in SharePoint server-relative URLs).

import type { EmulatorRequest, EmulatorResponse } from './HttpExchange';

export type RouteHandler<C> = (
  request: EmulatorRequest,
  params: string[],
  context: C,
) => EmulatorResponse | Promise<EmulatorResponse>;

interface Route<C> {
  methods: string[];
  pattern: RegExp;
  name: string;
  handler: RouteHandler<C>;
}

export interface RouteMatch<C> {
  name: string;
  params: string[];
  handler: RouteHandler<C>;
}

export class HttpRouter<C> {
  private readonly routes: Route<C>[] = [];

  /** `pattern` is matched against the whole decoded path (case-insensitive, as Graph and SharePoint are). */
  add(methods: string | string[], pattern: RegExp, name: string, handler: RouteHandler<C>): this {
    const list = (Array.isArray(methods) ? methods : [methods]).map((m) => m.toUpperCase());
    this.routes.push({ methods: list, pattern, name, handler });
    return this;
  }

  /** `undefined` when no path matches; `methodNotAllowed` when the path exists for other methods. */
  match(method: string, decodedPath: string): RouteMatch<C> | 'methodNotAllowed' | undefined {
    let pathMatched = false;
    for (const route of this.routes) {
      const found = route.pattern.exec(decodedPath);
      if (!found) continue;
      pathMatched = true;
      if (!route.methods.includes(method.toUpperCase())) continue;
      return { name: route.name, params: found.slice(1).map((p) => p ?? ''), handler: route.handler };
    }
    return pathMatched ? 'methodNotAllowed' : undefined;
  }
}

export function decodePath(url: URL): string | undefined {
  try {
    return decodeURIComponent(url.pathname);
  } catch {
    return undefined;
  }
}
