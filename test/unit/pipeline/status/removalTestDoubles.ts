// An in-memory removal audit for the removal use cases' unit tests (the Table-backed one is tested on Azurite).

import type { RemovalAuditPort, RemovalRecord } from '../../../../src/pipeline/status/RemovalAuditPort';

export class InMemoryRemovalAudit implements RemovalAuditPort {
  readonly records = new Map<string, RemovalRecord>();

  save(record: RemovalRecord): Promise<void> {
    this.records.set(`${record.userId}/${record.requestId}`, { ...record });
    return Promise.resolve();
  }

  get(userId: string, requestId: string): Promise<RemovalRecord | undefined> {
    const found = this.records.get(`${userId}/${requestId}`);
    return Promise.resolve(found ? { ...found } : undefined);
  }

  listForUser(userId: string): Promise<RemovalRecord[]> {
    return Promise.resolve(
      [...this.records.values()]
        .filter((r) => r.userId === userId)
        .sort((a, b) => b.requestedAt.localeCompare(a.requestedAt)),
    );
  }
}
