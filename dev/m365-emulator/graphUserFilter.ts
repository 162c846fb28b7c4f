// The `$filter` clauses Graph answers on `/users` without advanced query headers, as far as the emulator needs
// them: `property eq 'value'` and `startswith(property,'value')` on the default-filterable properties, joined by
// `or`. Anything else is refused the way Graph refuses it (Request_UnsupportedQuery), never silently ignored.
// https://learn.microsoft.com/graph/aad-advanced-queries#user-properties

export const filterableUserProperties = ['id', 'userPrincipalName', 'mail', 'employeeId', 'displayName'] as const;
type Property = (typeof filterableUserProperties)[number];

interface Clause {
  property: Property;
  op: 'eq' | 'startswith';
  value: string;
}

const literal = "'((?:[^']|'')*)'";
const eqClause = new RegExp(`^\\s*(\\w+)\\s+eq\\s+${literal}\\s*$`, 'i');
const startsWithClause = new RegExp(`^\\s*startswith\\(\\s*(\\w+)\\s*,\\s*${literal}\\s*\\)\\s*$`, 'i');

function parseClause(text: string): Clause | undefined {
  const eq = eqClause.exec(text);
  const sw = eq ? undefined : startsWithClause.exec(text);
  const found = eq ?? sw;
  if (!found) return undefined;
  const property = filterableUserProperties.find((p) => p.toLowerCase() === found[1]?.toLowerCase());
  if (!property) return undefined;
  return { property, op: eq ? 'eq' : 'startswith', value: (found[2] ?? '').replace(/''/g, "'") };
}

/** A predicate for the filter, or undefined when Graph would refuse it. */
export function parseUserFilter(filter: string): ((user: Record<string, unknown>) => boolean) | undefined {
  // Split on ` or ` outside string literals.
  const parts: string[] = [];
  let current = '';
  let quoted = false;
  for (let i = 0; i < filter.length; i++) {
    const ch = filter[i] ?? '';
    if (ch === "'") quoted = !quoted;
    if (!quoted && /^\sor\s/i.test(filter.slice(i, i + 4))) {
      parts.push(current);
      current = '';
      i += 3;
      continue;
    }
    current += ch;
  }
  parts.push(current);
  const clauses = parts.map(parseClause);
  if (clauses.some((c) => !c)) return undefined;
  return (user) =>
    (clauses as Clause[]).some((c) => {
      const raw = user[c.property];
      const value = (typeof raw === 'string' ? raw : '').toLowerCase();
      const wanted = c.value.toLowerCase();
      return c.op === 'eq' ? value === wanted : value.startsWith(wanted);
    });
}
