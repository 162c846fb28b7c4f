// The deployed package is what runs: the files .funcignore keeps build as the remote build builds them, and with
// production dependencies only, every function registers, the same set the repository's source registers.

import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { loadFunctionApp } from '../../../dev/runtime/loadFunctionApp';
import { repoRoot } from './readInfra';
import { registrationsOf, stageDeployedPackage, type StagedPackage } from './deployedPackage';

let staged: StagedPackage;

beforeAll(() => {
  staged = stageDeployedPackage(repoRoot);
}, 120_000);

afterAll(() => staged?.remove());

function sourceRegistrations(): { name: string; trigger: string }[] {
  const dir = path.join(repoRoot, 'src/functions');
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.ts'))
    .map((f) => path.join(dir, f));
  return loadFunctionApp(files).map((fn) => ({
    name: fn.metadata.name,
    trigger: String(Object.values(fn.metadata.bindings).find((b) => String(b.type).endsWith('Trigger'))?.type),
  }));
}

const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);

it('ships sources and configuration, never local builds, dependencies, tests or settings', () => {
  expect(staged.files).toEqual(
    expect.arrayContaining(['host.json', 'package.json', 'package-lock.json', 'tsconfig.json']),
  );
  expect(staged.files.some((f) => f.startsWith('src/functions/'))).toBe(true);
  const shipped = staged.files.filter((f) =>
    /^(node_modules|dist|test|dev|bench|infra|docs|\.local|\.azure)\/|^local\.settings\.json$/.test(f),
  );
  expect(shipped).toEqual([]);
});

it('runs with production dependencies only', () => {
  const installed = new Set(staged.packages);
  expect(installed.has('node_modules/@azure/functions')).toBe(true);
  expect(installed.has('node_modules/sharp')).toBe(true);
  for (const devOnly of ['typescript', 'jest', 'azurite', 'tree-sitter'])
    expect({ devOnly, installed: existsSync(path.join(staged.dir, 'node_modules', devOnly)) }).toEqual({
      devOnly,
      installed: false,
    });
});

it('registers every function of the source, with the same triggers', () => {
  const deployed = registrationsOf(staged.dir, path.join(repoRoot, 'dist/dev/runtime'));
  const expected = sourceRegistrations();
  expect(expected.length).toBeGreaterThan(0);
  expect(deployed.sort(byName)).toEqual(expected.sort(byName));
}, 30_000);
