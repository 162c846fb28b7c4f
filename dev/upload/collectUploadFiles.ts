// What `npm run upload` sends: every file the user pointed at (a file, or a folder walked recursively), except
// hidden files and folders (.DS_Store, .git). Nothing is filtered by extension: the pipeline validates content, and
// a photo with an odd extension should get its verdict there rather than vanish here. CSV files go first so the
// photos they name find them.

import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';

export interface UploadFile {
  /** Path on disk. */
  path: string;
  /** Blob name in photos-incoming: the path relative to the folder given, with `/` separators. */
  blobName: string;
}

export interface CollectedFiles {
  files: UploadFile[];
  /** Hidden files left out, relative to what the user gave. */
  skipped: string[];
}

const contentTypes: Record<string, string> = {
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.jfif': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.avif': 'image/avif',
  '.heic': 'image/heic',
  '.heif': 'image/heif',
  '.svg': 'image/svg+xml',
  '.csv': 'text/csv',
};

export function contentTypeFor(fileName: string): string {
  return contentTypes[path.extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

function walk(dir: string, root: string, found: CollectedFiles): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const full = path.join(dir, entry.name);
    const relative = path.relative(root, full).split(path.sep).join('/');
    if (entry.name.startsWith('.')) found.skipped.push(relative);
    else if (entry.isDirectory()) walk(full, root, found);
    else if (entry.isFile()) found.files.push({ path: full, blobName: relative });
  }
}

export function collectUploadFiles(targets: string[], options: { exclude?: string[] } = {}): CollectedFiles {
  const found: CollectedFiles = { files: [], skipped: [] };
  for (const target of targets) {
    if (statSync(target).isDirectory()) walk(target, target, found);
    else if (path.basename(target).startsWith('.')) found.skipped.push(path.basename(target));
    else found.files.push({ path: target, blobName: path.basename(target) });
  }
  const excluded = new Set((options.exclude ?? []).map((p) => path.resolve(p)));
  const files = found.files.filter((f) => !excluded.has(path.resolve(f.path)));
  const isCsv = (f: UploadFile): number => (f.blobName.toLowerCase().endsWith('.csv') ? 0 : 1);
  return { files: files.sort((a, b) => isCsv(a) - isCsv(b)), skipped: found.skipped };
}
