// The app settings the code reads: every `env.NAME`, helper call (`required(env, 'NAME', ...)`), `process.env.NAME`
// and `%NAME%` binding expression under src/. Read from the source rather than listed by hand, so a new setting cannot be
// forgotten by infra or docs/configuration.md.

import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './readInfra';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

const patterns = [
  /\benv(?:\?)?\.([A-Za-z_]\w*)/g,
  /\benv\[['"]([A-Za-z_]\w*)['"]\]/g,
  /\(env, '([A-Z][A-Za-z0-9_]*)'/g,
  /\bprocess\.env\.([A-Za-z_]\w*)/g,
  // Binding expressions the Functions host resolves from app settings, e.g. schedule: '%RECONCILE_SCHEDULE%'.
  /'%([A-Za-z_]\w*)%'/g,
];

export function settingsReadBySource(): Set<string> {
  const names = new Set<string>();
  for (const file of sourceFiles(path.join(repoRoot, 'src'))) {
    const text = readFileSync(file, 'utf8');
    for (const pattern of patterns) for (const match of text.matchAll(pattern)) names.add(match[1] as string);
  }
  return names;
}
