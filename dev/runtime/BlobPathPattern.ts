// A blob trigger `path` such as `photos-incoming/{name}`: the container, a listing prefix, and the binding data
// (`{name}`…) captured from each blob name. Like the Functions host, `{x}` may span `/`.
// https://learn.microsoft.com/azure/azure-functions/functions-bindings-storage-blob-trigger#blob-name-patterns

import { LocalRuntimeError } from './LocalRuntimeError';

export class BlobPathPattern {
  readonly container: string;
  readonly prefix: string;
  readonly #names: string[] = [];
  readonly #regex: RegExp;

  constructor(path: string) {
    const slash = path.indexOf('/');
    this.container = slash < 0 ? path : path.slice(0, slash);
    const blobPattern = slash < 0 ? '{blobName}' : path.slice(slash + 1);
    if (!this.container || this.container.includes('{')) {
      throw new LocalRuntimeError('invalid-binding', `Blob trigger path "${path}" must start with a container name.`);
    }
    const brace = blobPattern.indexOf('{');
    this.prefix = brace < 0 ? blobPattern : blobPattern.slice(0, brace);
    const parts = blobPattern.split(/(\{[^}]+\})/).filter((p) => p !== '');
    const captures = parts.filter((p) => p.startsWith('{')).length;
    let seen = 0;
    const source = parts
      .map((part) => {
        if (!part.startsWith('{')) return part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
        this.#names.push(part.slice(1, -1));
        seen += 1;
        return seen === captures ? '(.+)' : '(.+?)';
      })
      .join('');
    this.#regex = new RegExp(`^${source}$`);
  }

  /** The binding data for a blob name, or undefined when the name does not match the pattern. */
  match(blobName: string): Record<string, string> | undefined {
    const found = this.#regex.exec(blobName);
    if (!found) return undefined;
    const data: Record<string, string> = {};
    this.#names.forEach((name, i) => {
      data[name] = found[i + 1] ?? '';
    });
    return data;
  }
}
