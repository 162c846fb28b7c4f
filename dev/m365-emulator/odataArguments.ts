// Parses SharePoint REST function arguments: `'a''b'` (a quoted literal, `''` escapes a quote), `name='v'` pairs,
// `true`/`false`, and `@alias` parameters whose value is in the query string (`?@v='…'`).

export function parseOdataArguments(text: string, url: URL): Map<string, string> {
  const result = new Map<string, string>();
  const pattern = /(?:(\w+)\s*=\s*)?('(?:[^']|'')*'|true|false|@\w+)/gi;
  let match: RegExpExecArray | null;
  let position = 0;
  while ((match = pattern.exec(text)) !== null) {
    const name = (match[1] ?? `$${position}`).toLowerCase();
    result.set(name, literal(match[2] ?? '', url));
    position += 1;
  }
  return result;
}

function literal(token: string, url: URL): string {
  if (token.startsWith('@')) {
    const aliased = url.searchParams.get(token) ?? '';
    return aliased.startsWith("'") ? literal(aliased, url) : aliased;
  }
  if (token.startsWith("'")) return token.slice(1, -1).replace(/''/g, "'");
  return token.toLowerCase();
}
