// Reads the facts the infra test compares out of the Bicep and hook files. No Bicep compiler runs here, so the
// templates keep a conventional shape (one `var appSettings = { ... }` block, string-array variables) that plain
// text parsing can follow; a template edited out of that shape makes these readers throw, not pass silently.

import { readFileSync } from 'node:fs';
import path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');

export function readRepoFile(relativePath: string): string {
  return readFileSync(path.join(repoRoot, relativePath), 'utf8');
}

/** The body between the braces or brackets that open at `opener` (the first `{` or `[` after it). */
function balancedBlock(text: string, opener: string): string {
  const start = text.indexOf(opener);
  if (start < 0) throw new Error(`"${opener}" not found`);
  const open = text.slice(start + opener.length).search(/[{[]/) + start + opener.length;
  const pairs: Record<string, string> = { '{': '}', '[': ']' };
  const stack: string[] = [];
  for (let i = open; i < text.length; i++) {
    const ch = text[i] as string;
    if (ch in pairs) stack.push(pairs[ch] as string);
    else if (ch === stack[stack.length - 1]) {
      stack.pop();
      if (stack.length === 0) return text.slice(open + 1, i);
    }
  }
  throw new Error(`unbalanced block after "${opener}"`);
}

/** A string-array variable, `var name = ['a', 'b']` or one item per line; variables referenced are resolved. */
export function bicepStringArray(text: string, variable: string): string[] {
  const body = balancedBlock(text, `var ${variable} =`);
  return body
    .split(/[\n,]/)
    .map((item) => item.trim())
    .filter(Boolean)
    .map((item) => {
      const literal = item.match(/^'([^']*)'$/);
      if (literal) return literal[1] as string;
      return bicepStringVariable(text, item);
    });
}

/** `var name = 'literal'`. */
export function bicepStringVariable(text: string, variable: string): string {
  const match = text.match(new RegExp(`^var ${variable} = '([^']*)'`, 'm'));
  if (!match) throw new Error(`no string variable "${variable}"`);
  return match[1] as string;
}

/** Keys and raw Bicep value expressions of an object variable such as `var appSettings = { ... }`. */
export function bicepObjectEntries(text: string, variable: string): Map<string, string> {
  const body = balancedBlock(text, `var ${variable} =`);
  const entries = new Map<string, string>();
  for (const line of body.split('\n')) {
    const match = line.match(/^\s*([A-Za-z_][\w]*)\s*:\s*(.+?)\s*$/);
    if (match) entries.set(match[1] as string, match[2] as string);
  }
  return entries;
}

/** String outputs whose value is a literal or a string variable: `output NAME string = 'x'` or `= someVar`. */
export function bicepLiteralOutputs(text: string): Map<string, string> {
  const outputs = new Map<string, string>();
  for (const match of text.matchAll(/^output (\w+) string = (?:'([^']*)'|(\w+))$/gm)) {
    const [, name, literal, variable] = match as unknown as [string, string, string | undefined, string | undefined];
    if (literal !== undefined) outputs.set(name, literal);
    else if (variable && new RegExp(`^var ${variable} = '`, 'm').test(text))
      outputs.set(name, bicepStringVariable(text, variable));
  }
  return outputs;
}

export function bicepOutputNames(text: string): string[] {
  return [...text.matchAll(/^output (\w+) /gm)].map((m) => m[1] as string);
}

/** Parameter names and whether each has a default. */
export function bicepParams(text: string): Map<string, { hasDefault: boolean }> {
  const params = new Map<string, { hasDefault: boolean }>();
  for (const match of text.matchAll(/^param (\w+) \w+( =)?/gm))
    params.set(match[1] as string, { hasDefault: !!match[2] });
  return params;
}

/** The Bicep string value of a property inside a named block, e.g. `runtime: { name: 'node', version: '22' }`. */
export function bicepProperty(text: string, block: string, property: string): string {
  const body = balancedBlock(text, `${block}:`);
  const match = body.match(new RegExp(`\\b${property}:\\s*'([^']*)'`));
  if (!match) throw new Error(`no ${property} in ${block}`);
  return match[1] as string;
}
