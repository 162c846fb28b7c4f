// The CSV manifest HR may drop beside the photos: `UserPrincipalName,FileName`, one row per photo. Parsed with a real
// CSV parser (quoted fields, embedded commas, a UTF-8 BOM from Excel, `;` from European Excel locales), header names
// matched case-insensitively. Documented in docs/ingest.md.

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

const upnHeader = 'userprincipalname';
const fileHeader = 'filename';

/** Blob names that are manifests rather than photos. */
export function isManifestName(blobName: string): boolean {
  return blobName.toLowerCase().endsWith('.csv');
}

export function parsePhotoManifest(text: string | Buffer): ManifestRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
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

function baseName(name: string): string {
  return name.slice(name.lastIndexOf('/') + 1);
}

function listsPhoto(row: ManifestRow, blobName: string): boolean {
  // Blob names are case-sensitive but people typing a spreadsheet are not; a row may name the photo with or
  // without the folder it was uploaded into.
  const wanted = row.fileName.replace(/\\/g, '/').toLowerCase();
  const name = blobName.toLowerCase();
  return wanted === name || (!wanted.includes('/') && wanted === baseName(name));
}

/** The newest manifest that lists this photo, and whom it names; undefined when no manifest lists it. */
export function findManifestMatch(manifests: readonly PhotoManifest[], blobName: string): ManifestMatch | undefined {
  const newestFirst = [...manifests].sort((a, b) => b.receivedAt.getTime() - a.receivedAt.getTime());
  for (const manifest of newestFirst) {
    const rows = manifest.rows.filter((row) => listsPhoto(row, blobName));
    if (rows.length === 0) continue;
    const byLowerCase = new Map(rows.map((row) => [row.userPrincipalName.toLowerCase(), row.userPrincipalName]));
    return {
      manifestName: manifest.name,
      userPrincipalNames: [...byLowerCase.values()],
      lines: rows.map((r) => r.line),
    };
  }
  return undefined;
}
