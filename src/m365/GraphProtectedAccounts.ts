// The protected-accounts port over Graph's checkMemberGroups (transitive membership, one call per person), with a
// short cache: a bulk drop asks about the same people again and again, and someone added to the group must be
// protected within a minute, not after a restart. A failed call is not an answer: it throws (the host retries).

import type { ProtectedAccountsPort } from '../pipeline/ingest/ProtectedAccountsPort';
import type { GraphClient } from './GraphClient';
import { M365RequestError } from './M365RequestError';

export class GraphProtectedAccounts implements ProtectedAccountsPort {
  readonly #answers = new Map<string, { protected: boolean; expiresAt: number }>();

  constructor(
    private readonly graph: Pick<GraphClient, 'checkMemberGroups'>,
    private readonly groupId: string,
    private readonly options: { ttlMs?: number; maxEntries?: number; now?: () => number } = {},
  ) {}

  async isProtected(userId: string): Promise<boolean> {
    const now = (this.options.now ?? Date.now)();
    const key = userId.toLowerCase();
    const hit = this.#answers.get(key);
    if (hit && hit.expiresAt > now) return hit.protected;
    let member: string[];
    try {
      member = await this.graph.checkMemberGroups(userId, [this.groupId]);
    } catch (error) {
      // Not in the directory (deleted, or never there): in no group. What was asked of them fails on its own terms
      // (a write says user-not-found), rather than on this check.
      if (error instanceof M365RequestError && error.status === 404) return false;
      throw error;
    }
    const answer = member.some((id) => id.toLowerCase() === this.groupId.toLowerCase());
    if (this.#answers.size >= (this.options.maxEntries ?? 10_000)) this.#answers.clear();
    this.#answers.set(key, { protected: answer, expiresAt: now + (this.options.ttlMs ?? 60_000) });
    return answer;
  }
}
