// The CSV manifest HR may drop beside the photos: `UserPrincipalName,FileName`, one row per photo. Parsed with a real
// CSV parser (quoted fields, embedded commas, a UTF-8 BOM from Excel, `;` from European Excel locales), header names
// matched case-insensitively. Documented in docs/ingest.md.
// Limits come first: an export of the whole HR database is a plausible accident, and every later photo reads the
// manifests in force, so bytes are capped before parsing and rows while parsing (`manifest-too-large`, a rejection HR
// reads), and a photo is looked up by name in an index, not by scanning every row.

import { parse } from 'csv-parse/sync';
import { PhotoRejectedError } from './PhotoRejectedError';

export interface ManifestRow {
  userPrincipalName: string;
  fileName: string;
  /** 1-based line in the CSV file, so HR can find the row an error points at. */
  line: number;
}

export interface PhotoManifest {
  /** The manifest's blob name (`users.csv`). */
  name: string;
  /** When the manifest was uploaded: the newest manifest that lists a photo wins. */
  receivedAt: Date;
  rows: ManifestRow[];
}

export interface ManifestMatch {
  manifestName: string;
  /** Distinct UPNs the manifest gives for the photo; more than one is a conflict HR must fix. */
  userPrincipalNames: string[];
  lines: number[];
}

export interface ManifestLimits {
  maxBytes: number;
  maxRows: number;
}

/** Defaults of INGEST_MANIFEST_MAX_BYTES and INGEST_MANIFEST_MAX_ROWS (docs/configuration.md). */
export const defaultManifestLimits: ManifestLimits = { maxBytes: 2 * 1024 * 1024, maxRows: 20_000 };

const upnHeader = 'userprincipalname';
const fileHeader = 'filename';

/** Blob names that are manifests rather than photos. */
export function isManifestName(blobName: string): boolean {
  return blobName.toLowerCase().endsWith('.csv');
}

function tooLarge(message: string, details: Record<string, unknown>): PhotoRejectedError {
  return new PhotoRejectedError(
    'manifest-too-large',
    `${message} Split it into smaller manifests that list only the photos being uploaded now.`,
    details,
  );
}

export function parsePhotoManifest(
  text: string | Buffer,
  limits: ManifestLimits = defaultManifestLimits,
): ManifestRow[] {
  const bytes = typeof text === 'string' ? Buffer.byteLength(text) : text.length;
  if (bytes > limits.maxBytes) {
    throw tooLarge(`The manifest is ${bytes} bytes; the limit is ${limits.maxBytes}.`, {
      bytes,
      maxBytes: limits.maxBytes,
    });
  }
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      // The header, the rows allowed, and one more to know the limit was passed: the parser stops there.
      to: limits.maxRows + 2,
      info: true,
      bom: true,
      delimiter: [',', ';'],
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as unknown as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    throw new PhotoRejectedError(
      'invalid-manifest',
      `The manifest is not valid CSV: ${(error as Error).message}`,
      {},
      {
        cause: error,
      },
    );
  }
  const header = records[0]?.record;
  const body = records.slice(1);
  if (body.length > limits.maxRows) {
    throw tooLarge(`The manifest has more than ${limits.maxRows} rows.`, { maxRows: limits.maxRows });
  }
  const columns = (header ?? []).map((h) => h.toLowerCase().replace(/[\s_]/g, ''));
  const upnIndex = columns.indexOf(upnHeader);
  const fileIndex = columns.indexOf(fileHeader);
  if (upnIndex < 0 || fileIndex < 0) {
    throw new PhotoRejectedError(
      'invalid-manifest',
      'The manifest needs a header row with the columns UserPrincipalName and FileName ' +
        `(found: ${(header ?? []).join(', ') || 'nothing'}).`,
      { header: header ?? [] },
    );
  }
  const rows: ManifestRow[] = [];
  const incomplete: number[] = [];
  body.forEach(({ record, info }) => {
    const line = info.lines;
    const userPrincipalName = record[upnIndex]?.trim() ?? '';
    const fileName = record[fileIndex]?.trim() ?? '';
    if (!userPrincipalName && !fileName) return;
    if (!userPrincipalName || !fileName) incomplete.push(line);
    else rows.push({ userPrincipalName, fileName, line });
  });
  if (incomplete.length > 0) {
    throw new PhotoRejectedError(
      'invalid-manifest',
      `Rows without both a UserPrincipalName and a FileName: line ${incomplete.join(', ')}.`,
      { lines: incomplete },
    );
  }
  return rows;
}

function folderOf(name: string): string {
  return name.slice(0, name.lastIndexOf('/') + 1).toLowerCase();
}

/** The photo name a row stands for: a bare file name is a photo in the manifest's own folder. */
function rowKey(manifestName: string, row: ManifestRow): string {
  const wanted = row.fileName.replace(/\\/g, '/').toLowerCase();
  return wanted.includes('/') ? wanted : `${folderOf(manifestName)}${wanted}`;
}

// Built once per parsed manifest (the adapter caches parsed manifests per blob version), so finding a photo's row
// costs one map lookup per manifest, not a scan of every row for every photo.
const indexes = new WeakMap<PhotoManifest, Map<string, ManifestRow[]>>();

function indexOf(manifest: PhotoManifest): Map<string, ManifestRow[]> {
  let index = indexes.get(manifest);
  if (!index) {
    index = new Map();
    for (const row of manifest.rows) {
      const key = rowKey(manifest.name, row);
      index.set(key, [...(index.get(key) ?? []), row]);
    }
    indexes.set(manifest, index);
  }
  return index;
}

/**
 * The newest manifest that lists this photo, and whom it names; undefined when no manifest lists it. Blob names are
 * case-sensitive but people typing a spreadsheet are not. A row names a photo by its path, or by its bare file name
 * in the manifest's own folder: a camera name (`IMG_0001.jpg`) reused in another folder is another photo.
 */
export function findManifestMatch(manifests: readonly PhotoManifest[], blobName: string): ManifestMatch | undefined {
  const newestFirst = [...manifests].sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
  const name = blobName.toLowerCase();
  for (const manifest of newestFirst) {
    const rows = indexOf(manifest).get(name);
    if (!rows || rows.length === 0) continue;
    const byLowerCase = new Map(rows.map((row) => [row.userPrincipalName.toLowerCase(), row.userPrincipalName]));
    return {
      manifestName: manifest.name,
      userPrincipalNames: [...byLowerCase.values()],
      lines: rows.map((r) => r.line),
    };
  }
  return undefined;
}
