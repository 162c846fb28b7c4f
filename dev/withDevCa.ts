// Launcher: `node dist/dev/withDevCa.js <command> [args...]`.
// Node reads NODE_EXTRA_CA_CERTS only when a process starts, so the variable must be set before the command's Node
// starts: this makes sure the dev CA exists, then runs the command with the CA trusted in addition to the system
// store (https://nodejs.org/api/cli.html#node_extra_ca_certsfile). TLS verification is never turned off.

import { spawn } from 'node:child_process';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ensureDevCertificateAuthority } from './devCertificates';

/** Keeps CAs the environment already trusts (a corporate proxy's, say) next to the dev CA: Node reads one file. */
function extraCaFile(devCaPath: string): string {
  const existing = process.env.NODE_EXTRA_CA_CERTS;
  if (!existing || resolve(existing) === devCaPath || !existsSync(existing)) return devCaPath;
  const bundlePath = join(dirname(devCaPath), 'extra-ca-bundle.pem');
  const tmpPath = `${bundlePath}.${process.pid}`;
  writeFileSync(tmpPath, `${readFileSync(existing, 'utf8').trimEnd()}\n${readFileSync(devCaPath, 'utf8')}`);
  // Renamed into place so a process starting at the same moment never reads a half-written bundle.
  renameSync(tmpPath, bundlePath);
  return bundlePath;
}

function main(argv: string[]): void {
  const [command, ...args] = argv;
  if (!command) {
    process.stderr.write('usage: node dist/dev/withDevCa.js <command> [args...]\n');
    process.exit(2);
  }
  const ca = ensureDevCertificateAuthority();
  const child = spawn(command, args, {
    stdio: 'inherit',
    shell: false,
    env: { ...process.env, NODE_EXTRA_CA_CERTS: extraCaFile(ca.certPath) },
  });

  const forwarded: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of forwarded) process.on(signal, forward);

  child.on('error', (error) => {
    process.stderr.write(`withDevCa: could not start ${command}: ${error.message}\n`);
    process.exit(127);
  });
  child.on('exit', (code, signal) => {
    for (const s of forwarded) process.off(s, forward);
    if (signal) {
      process.kill(process.pid, signal);
      return;
    }
    process.exit(code ?? 1);
  });
}

main(process.argv.slice(2));
