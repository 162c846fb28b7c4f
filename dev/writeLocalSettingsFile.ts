// The app settings the local host runs with, written the way Azure Functions Core Tools reads them
// (local.settings.json: `{ "IsEncrypted": false, "Values": { ... } }`,
// https://learn.microsoft.com/azure/azure-functions/functions-develop-local#local-settings-file), so tools that take
// a settings file (`npm run doctor:local`) check exactly what `npm start` runs. It names the emulator's ports, the
// app's PEM path and a fresh clientState, so it is only true while that stack runs: the stack removes it on stop.

import { rmSync } from 'node:fs';
import { writePrivateFile } from './writePrivateFile';

/** Writes `file` (owner-only: it holds the clientState secret) and returns a function that removes it. */
export function writeLocalSettingsFile(file: string, settings: Record<string, string>): () => Promise<void> {
  const content = { IsEncrypted: false, Values: settings };
  writePrivateFile(file, `${JSON.stringify(content, null, 2)}\n`);
  return () => {
    rmSync(file, { force: true });
    return Promise.resolve();
  };
}
