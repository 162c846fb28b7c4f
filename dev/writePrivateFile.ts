// Files under .local that hold secrets (the local settings with clientState, the emulator app's key, endpoints with
// its client secret) are readable by their owner only. writeFileSync's `mode` applies only when it creates the file,
// so a file left by an older run with wider permissions is narrowed first, before the secret goes in.

import { chmodSync, writeFileSync } from 'node:fs';

export function writePrivateFile(file: string, content: string): void {
  try {
    chmodSync(file, 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  writeFileSync(file, content, { mode: 0o600 });
}
