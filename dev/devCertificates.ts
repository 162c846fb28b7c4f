// A local certificate authority for the emulator's HTTPS listeners. Node processes trust it through
// NODE_EXTRA_CA_CERTS (set by dev/withDevCa.ts before Node starts), so TLS verification always stays on.
//
// The functions are synchronous (callers use them at start-up, before any server exists) while `selfsigned` is
// async-only, so certificate generation runs the library in a short child Node process and reads its JSON answer.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';

export interface DevCertificateAuthority {
  certPem: string;
  keyPem: string;
  /** Absolute path of the CA certificate (PEM), the value for NODE_EXTRA_CA_CERTS. */
  certPath: string;
}

export interface IssuedCertificate {
  certPem: string;
  keyPem: string;
}

export interface IssueServerCertificateOptions {
  /** DNS names and IP addresses the certificate is valid for, e.g. `['localhost', '127.0.0.1']`. */
  hostnames: string[];
  validityDays?: number;
}

export class DevCertificateError extends Error {
  readonly code = 'dev-certificate-failed';
  readonly retryable = false;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DevCertificateError';
  }
}

const caFolderName = 'dev-ca';
const certFileName = 'ca.cert.pem';
const keyFileName = 'ca.key.pem';

/** The project root (the folder with package.json), whether this runs from `dev/` (jest) or `dist/dev/`. */
export function projectRoot(): string {
  let folder = __dirname;
  while (!existsSync(join(folder, 'package.json'))) {
    const parent = dirname(folder);
    if (parent === folder) return process.cwd();
    folder = parent;
  }
  return folder;
}

export function defaultCertificateDirectory(): string {
  return join(projectRoot(), '.local', 'certs');
}

/** Creates the CA once (persisted in a git-ignored folder) and returns it; later calls read it back. */
export function ensureDevCertificateAuthority(dir: string = defaultCertificateDirectory()): DevCertificateAuthority {
  const caDir = join(resolve(dir), caFolderName);
  const certPath = join(caDir, certFileName);
  if (!existsSync(certPath)) createAuthority(resolve(dir), caDir);
  return { certPem: readFileSync(certPath, 'utf8'), keyPem: readFileSync(join(caDir, keyFileName), 'utf8'), certPath };
}

/** Issues a TLS server certificate for the given host names, signed by the dev CA. */
export function issueServerCertificate(
  ca: Pick<DevCertificateAuthority, 'certPem' | 'keyPem'>,
  options: IssueServerCertificateOptions,
): IssuedCertificate {
  const altNames = options.hostnames.map((name) =>
    /^[\d.]+$|:/.test(name) ? { type: 7, ip: name } : { type: 2, value: name },
  );
  const days = options.validityDays ?? 365;
  const result = runSelfsigned({
    attrs: [{ name: 'commonName', value: options.hostnames[0] ?? 'localhost' }],
    options: {
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + days * 86_400_000).toISOString(),
      ca: { cert: ca.certPem, key: ca.keyPem },
      extensions: [
        { name: 'basicConstraints', cA: false, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        { name: 'extKeyUsage', serverAuth: true },
        { name: 'subjectAltName', altNames },
      ],
    },
  });
  return { certPem: result.cert, keyPem: result.private };
}

/**
 * Like issueServerCertificate, but reuses a certificate issued earlier by the same CA for the same host names
 * (kept beside the CA, git-ignored) while it has at least a week left: issuing costs about a second.
 */
export function ensureServerCertificate(
  ca: Pick<DevCertificateAuthority, 'certPem' | 'keyPem'>,
  options: IssueServerCertificateOptions & { dir?: string },
): IssuedCertificate {
  const key = createHash('sha256').update(ca.certPem).update(options.hostnames.join(',')).digest('hex').slice(0, 16);
  const path = join(resolve(options.dir ?? defaultCertificateDirectory()), caFolderName, `server-${key}.json`);
  if (existsSync(path)) {
    try {
      const cached = JSON.parse(readFileSync(path, 'utf8')) as IssuedCertificate;
      if (new Date(new X509Certificate(cached.certPem).validTo).getTime() > Date.now() + 7 * 86_400_000) return cached;
    } catch {
      // An unreadable cache entry is replaced below.
    }
  }
  const issued = issueServerCertificate(ca, options);
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, JSON.stringify(issued), { mode: 0o600 });
  renameSync(tmp, path);
  return issued;
}

/** Self-signed certificates such as Entra app registrations use for client assertions (one child process). */
export function createSelfSignedCertificates(
  requests: { commonName: string; validityDays?: number }[],
): IssuedCertificate[] {
  const results = runSelfsignedBatch(
    requests.map((request) => ({
      attrs: [{ name: 'commonName', value: request.commonName }],
      options: {
        keySize: 2048,
        algorithm: 'sha256',
        notAfterDate: new Date(Date.now() + (request.validityDays ?? 365) * 86_400_000).toISOString(),
        extensions: [
          { name: 'basicConstraints', cA: false },
          { name: 'keyUsage', digitalSignature: true, critical: true },
          { name: 'extKeyUsage', clientAuth: true },
        ],
      },
    })),
  );
  return results.map((r) => ({ certPem: r.cert, keyPem: r.private }));
}

function createAuthority(dir: string, caDir: string): void {
  mkdirSync(dir, { recursive: true });
  const result = runSelfsigned({
    attrs: [
      { name: 'commonName', value: 'M365 Photo Sync Local Development CA' },
      { name: 'organizationName', value: 'm365-photo-sync (local only)' },
    ],
    options: {
      keySize: 2048,
      algorithm: 'sha256',
      notAfterDate: new Date(Date.now() + 5 * 365 * 86_400_000).toISOString(),
      extensions: [
        { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    },
  });
  // Written into a temporary folder and renamed: a rename onto an existing folder fails, so two processes racing
  // at first start never end up with a certificate from one and a key from the other.
  const tmpDir = join(dir, `.${caFolderName}-${process.pid}-${randomBytes(4).toString('hex')}`);
  mkdirSync(tmpDir, { recursive: true, mode: 0o700 });
  writeFileSync(join(tmpDir, keyFileName), result.private, { mode: 0o600 });
  writeFileSync(join(tmpDir, certFileName), result.cert, { mode: 0o644 });
  try {
    renameSync(tmpDir, caDir);
  } catch (error) {
    rmSync(tmpDir, { recursive: true, force: true });
    if (!existsSync(join(caDir, certFileName))) {
      throw new DevCertificateError(`Could not create the dev CA in ${caDir}`, { cause: error });
    }
  }
}

interface SelfsignedResult {
  cert: string;
  private: string;
}

const childScript = `
const input = JSON.parse(require('node:fs').readFileSync(0, 'utf8'));
const { generate } = require(input.module);
Promise.all(input.requests.map((request) => {
  const o = request.options;
  if (o.notAfterDate) o.notAfterDate = new Date(o.notAfterDate);
  return generate(request.attrs, o);
})).then(
  (all) => process.stdout.write(JSON.stringify(all.map((r) => ({ cert: r.cert, private: r.private })))),
  (e) => { process.stderr.write(String(e && e.stack || e)); process.exit(1); },
);`;

interface SelfsignedRequest {
  attrs: unknown[];
  options: Record<string, unknown>;
}

function runSelfsigned(request: SelfsignedRequest): SelfsignedResult {
  const [result] = runSelfsignedBatch([request]);
  if (!result) throw new DevCertificateError('Generating a development certificate returned nothing');
  return result;
}

function runSelfsignedBatch(requests: SelfsignedRequest[]): SelfsignedResult[] {
  try {
    const output = execFileSync(process.execPath, ['-e', childScript], {
      input: JSON.stringify({ module: require.resolve('selfsigned'), requests }),
      encoding: 'utf8',
      timeout: 60_000,
      // NODE_OPTIONS from jest or a debugger must not leak into the helper process.
      env: { PATH: process.env.PATH ?? '' },
    });
    return JSON.parse(output) as SelfsignedResult[];
  } catch (error) {
    throw new DevCertificateError('Generating a development certificate failed', { cause: error });
  }
}
