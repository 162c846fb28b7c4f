// The directory port backed by Graph, with a small TTL cache: a bulk drop of photos resolves the same users and
// employee ids again and again, and each lookup costs a Graph request. Misses are cached too (shorter), so a
// folder of photos for unknown people does not hammer Graph; a user created since is found after the TTL.

import type { DirectoryPort, DirectoryUser } from '../pipeline/ingest/DirectoryPort';
import type { GraphClient, GraphUser } from './GraphClient';

export interface GraphDirectoryOptions {
  ttlMs?: number;
  missTtlMs?: number;
  maxEntries?: number;
  now?: () => number;
}

interface Entry<T> {
  value: T;
  expiresAt: number;
}

function toDirectoryUser(user: GraphUser): DirectoryUser {
  return {
    id: user.id,
    userPrincipalName: user.userPrincipalName,
    ...(user.employeeId !== undefined ? { employeeId: user.employeeId } : {}),
    ...(user.mail !== undefined ? { mail: user.mail } : {}),
  };
}

export class GraphDirectory implements DirectoryPort {
  private readonly cache = new Map<string, Entry<Promise<DirectoryUser[]>>>();
  private readonly ttlMs: number;
  private readonly missTtlMs: number;
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(
    private readonly graph: Pick<GraphClient, 'getUser' | 'findUsersByEmployeeId'>,
    options: GraphDirectoryOptions = {},
  ) {
    this.ttlMs = options.ttlMs ?? 10 * 60_000;
    this.missTtlMs = options.missTtlMs ?? 60_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.now = options.now ?? Date.now;
  }

  async findUserById(id: string): Promise<DirectoryUser | undefined> {
    return (await this.cached(`id:${id.toLowerCase()}`, () => this.getOne(id)))[0];
  }

  async findUserByPrincipalName(userPrincipalName: string): Promise<DirectoryUser | undefined> {
    const upn = userPrincipalName.toLowerCase();
    const users = await this.cached(`upn:${upn}`, () => this.getOne(userPrincipalName));
    // `/users/{upn}` also answers for an object id; make sure the match really is on the UPN.
    return users.find((u) => u.userPrincipalName.toLowerCase() === upn);
  }

  findUsersByEmployeeId(employeeId: string): Promise<DirectoryUser[]> {
    return this.cached(`employee:${employeeId}`, async () =>
      (await this.graph.findUsersByEmployeeId(employeeId)).map(toDirectoryUser),
    );
  }

  private async getOne(idOrUpn: string): Promise<DirectoryUser[]> {
    const user = await this.graph.getUser(idOrUpn);
    return user ? [toDirectoryUser(user)] : [];
  }

  private cached(key: string, load: () => Promise<DirectoryUser[]>): Promise<DirectoryUser[]> {
    const now = this.now();
    const hit = this.cache.get(key);
    if (hit && hit.expiresAt > now) return hit.value;
    if (this.cache.size >= this.maxEntries) {
      const oldest = this.cache.keys().next();
      if (!oldest.done) this.cache.delete(oldest.value);
    }
    const value = load();
    const entry: Entry<Promise<DirectoryUser[]>> = { value, expiresAt: now + this.ttlMs };
    this.cache.set(key, entry);
    value.then(
      (users) => {
        if (users.length === 0) entry.expiresAt = now + this.missTtlMs;
      },
      // A failed lookup (throttled, network) is not an answer: forget it so the next call asks again.
      () => {
        if (this.cache.get(key) === entry) this.cache.delete(key);
      },
    );
    return value;
  }
}
