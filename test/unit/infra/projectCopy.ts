// A throwaway copy of the deployment files, so a test can break one and show that a check catches it.

import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from './readInfra';

const deploymentFiles = ['infra', 'azure.yaml', '.funcignore', 'docs/deploy.md', 'package.json'];

export interface ProjectCopy {
  root: string;
  /** Replaces `from` (which must occur in the file) with `to`. */
  edit(file: string, from: string | RegExp, to: string): void;
  remove(): void;
}

export function copyProject(): ProjectCopy {
  const root = mkdtempSync(path.join(tmpdir(), 'infra-check-'));
  for (const entry of deploymentFiles) cpSync(path.join(repoRoot, entry), path.join(root, entry), { recursive: true });
  return {
    root,
    edit(file, from, to) {
      const full = path.join(root, file);
      const text = readFileSync(full, 'utf8');
      const found = typeof from === 'string' ? text.includes(from) : from.test(text);
      // A mutation that matched nothing would let the "check fails" test pass for the wrong reason.
      if (!found) throw new Error(`${file} does not contain ${String(from)}`);
      writeFileSync(full, text.replace(from, to));
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
