// Stages what `azd deploy` ships and what Azure then runs, in a temporary folder outside the repository (so Node
// finds no node_modules of ours above it): the files .funcignore keeps, built as the remote build does (`npm run
// build` with every dependency installed), then run with production dependencies only. Those are exactly the
// packages `npm ls --omit=dev` lists from the lock file's install, linked from node_modules, so no network is needed.

import { spawnSync } from 'node:child_process';
import {
  copyFileSync,
  linkSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ignore from 'ignore';

/** Files under `root` that .funcignore does not exclude, relative, with forward slashes. */
export function keptFiles(root: string): string[] {
  const rules = ignore().add(readFileSync(path.join(root, '.funcignore'), 'utf8'));
  const walk = (dir: string): string[] =>
    readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((entry) => {
      const relative = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory()) return rules.ignores(`${relative}/`) ? [] : walk(relative);
      return rules.ignores(relative) ? [] : [relative];
    });
  return walk('').sort();
}

/** Hard links `from` into `to` (a copy across file systems), leaving out the folders named in `skip`. */
function linkTree(from: string, to: string, skip: (source: string) => boolean): void {
  mkdirSync(to, { recursive: true });
  for (const entry of readdirSync(from, { withFileTypes: true })) {
    const source = path.join(from, entry.name);
    const target = path.join(to, entry.name);
    if (skip(source)) continue;
    if (entry.isSymbolicLink()) symlinkSync(readlinkSync(source), target);
    else if (entry.isDirectory()) linkTree(source, target, skip);
    else {
      try {
        linkSync(source, target);
      } catch {
        copyFileSync(source, target);
      }
    }
  }
}

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0)
    throw new Error(`${path.basename(command)} ${args.join(' ')} failed in ${cwd}:\n${result.stdout}${result.stderr}`);
  return result.stdout;
}

/** The package folders of production dependencies, relative to `root` (`node_modules/a`, `node_modules/a/node_modules/b`). */
export function productionPackages(root: string): string[] {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  return run(npm, ['ls', '--omit=dev', '--all', '--parseable'], root)
    .split('\n')
    .map((line) => path.relative(root, line.trim()))
    .filter((relative) => relative.startsWith('node_modules'));
}

export interface StagedPackage {
  dir: string;
  /** Files the deployment carries (before the build). */
  files: string[];
  /** Packages installed for the run. */
  packages: string[];
  remove(): void;
}

/** Copies the kept files, builds them with all dependencies, then leaves only production dependencies. */
export function stageDeployedPackage(root: string): StagedPackage {
  const dir = mkdtempSync(path.join(tmpdir(), 'deployed-package-'));
  const files = keptFiles(root);
  for (const file of files) {
    mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    copyFileSync(path.join(root, file), path.join(dir, file));
  }
  // The remote build: `npm install` (dev dependencies included, so tsc and the type packages are there), `npm run
  // build`. The build script is read from the staged package.json, so a build that needs a missing file fails here.
  symlinkSync(path.join(root, 'node_modules'), path.join(dir, 'node_modules'), 'dir');
  const script = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { scripts: { build: string } })
    .scripts.build;
  const [tool, ...args] = script.split(/\s+/);
  if (tool !== 'tsc') throw new Error(`the build script is "${script}"; this test knows how to run tsc only`);
  run(process.execPath, [require.resolve('typescript/bin/tsc'), ...args], dir);
  rmSync(path.join(dir, 'node_modules'));

  const packages = productionPackages(root);
  for (const pkg of packages) {
    const nested = path.join(root, pkg, 'node_modules');
    linkTree(path.join(root, pkg), path.join(dir, pkg), (source) => source === nested);
  }
  if (lstatSync(path.join(dir, 'node_modules')).isSymbolicLink()) throw new Error('node_modules is still the link');
  return { dir, files, packages, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Loads the staged app in a fresh Node process the way the worker does (package.json `main`), with the local
 * runtime's `@azure/functions-core` recording the registrations, and returns each function's name and trigger.
 */
export function registrationsOf(dir: string, runtimeDist: string): { name: string; trigger: string }[] {
  const script = `
const runtime = require(${JSON.stringify(path.join(runtimeDist, 'loadFunctionApp.js'))});
const appRoot = process.cwd();
const files = runtime.resolveFunctionModules(runtime.defaultFunctionModules(appRoot), { cwd: appRoot });
const functions = runtime.loadFunctionApp(files).map((fn) => ({
  name: fn.metadata.name,
  trigger: Object.values(fn.metadata.bindings).map((b) => b.type).find((t) => String(t).endsWith('Trigger')),
}));
process.stdout.write(JSON.stringify(functions));
`;
  return JSON.parse(run(process.execPath, ['-e', script], dir)) as { name: string; trigger: string }[];
}
