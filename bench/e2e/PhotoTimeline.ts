// Times each photo through the pipeline from the structured lines the functions already log (`photo-ingest`,
// `photo-write`, one per invocation, with the owner, the content hash and the invocation's duration): a HostLogger
// handed to the local host, so the benchmark reads the same events an operator would see, not a second wiring.

import { performance } from 'node:perf_hooks';
import type { HostLogger } from '../../dev/runtime/HostLogger';

export type WriteTarget = 'exchange' | 'sharepoint';

export interface PhotoRecord {
  blobName: string;
  /** performance.now() when the upload to photos-incoming finished. */
  uploadedAt: number;
  userId?: string;
  contentHash?: string;
  ingestStartedAt?: number;
  ingestEndedAt?: number;
  ingestOutcome?: string;
  ingestCode?: string;
  /** Ingest's own stage timings (`stagesMs` of the `photo-ingest` line): probe, resolve, render, writes, send, move. */
  ingestStages?: Record<string, number>;
  written: Partial<Record<WriteTarget, { startedAt: number; endedAt: number }>>;
  /** Writer invocations that ended otherwise (rescheduled, permanent-failure, …), by target. */
  otherOutcomes: Record<WriteTarget, string[]>;
}

const TERMINAL_FAILURES = new Set(['permanent-failure', 'dead-lettered', 'disabled']);

export class PhotoTimeline implements HostLogger {
  readonly photos = new Map<string, PhotoRecord>();
  readonly #byOwnerAndHash = new Map<string, PhotoRecord>();
  /**
   * Write lines that came before their photo's ingest line. With several instances the writer on one can log before
   * the ingest on another does (the messages are queued before ingest ends), so they wait here for it.
   */
  readonly #early = new Map<string, Array<{ line: Record<string, unknown>; now: number; durationMs: number }>>();
  readonly warnings: string[] = [];
  warningCount = 0;
  unmatchedWrites = 0;

  /** Forgets the previous phase's photos (the same blob names come back with new content). */
  reset(): void {
    this.photos.clear();
    this.#byOwnerAndHash.clear();
    this.#early.clear();
    this.warnings.length = 0;
    this.warningCount = 0;
    this.unmatchedWrites = 0;
  }

  uploaded(blobName: string, at: number): void {
    this.photos.set(blobName, {
      blobName,
      uploadedAt: at,
      written: {},
      otherOutcomes: { exchange: [], sharepoint: [] },
    });
  }

  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void {
    const now = performance.now();
    if (level === 'warn' || level === 'error') {
      this.warningCount += 1;
      if (this.warnings.length < 5) this.warnings.push(message.slice(0, 300));
    }
    if (!message.startsWith('{')) return;
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(message) as Record<string, unknown>;
    } catch {
      return;
    }
    const durationMs = typeof line.durationMs === 'number' ? line.durationMs : 0;
    if (line.event === 'photo-ingest') this.#ingested(line, now, durationMs);
    else if (line.event === 'photo-write') this.#wrote(line, now, durationMs);
  }

  #ingested(line: Record<string, unknown>, now: number, durationMs: number): void {
    const photo = typeof line.blob === 'string' ? this.photos.get(line.blob) : undefined;
    if (!photo || photo.ingestOutcome === 'accepted') return;
    photo.ingestStartedAt = now - durationMs;
    photo.ingestEndedAt = now;
    photo.ingestOutcome = String(line.outcome);
    if (typeof line.code === 'string') photo.ingestCode = line.code;
    if (line.stagesMs && typeof line.stagesMs === 'object')
      photo.ingestStages = line.stagesMs as Record<string, number>;
    if (typeof line.userId === 'string' && typeof line.contentHash === 'string') {
      photo.userId = line.userId;
      photo.contentHash = line.contentHash;
      const key = `${line.userId}|${line.contentHash}`;
      this.#byOwnerAndHash.set(key, photo);
      const early = this.#early.get(key) ?? [];
      this.#early.delete(key);
      for (const write of early) this.#wrote(write.line, write.now, write.durationMs);
    }
  }

  #wrote(line: Record<string, unknown>, now: number, durationMs: number): void {
    const target = line.target === 'exchange' || line.target === 'sharepoint' ? line.target : undefined;
    const key = `${String(line.userId)}|${String(line.contentHash)}`;
    const photo = this.#byOwnerAndHash.get(key);
    if (target && !photo) {
      this.#early.set(key, [...(this.#early.get(key) ?? []), { line, now, durationMs }]);
      return;
    }
    if (!target || !photo) {
      this.unmatchedWrites += 1;
      return;
    }
    const outcome = String(line.outcome);
    // A duplicate delivery after the write is a no-op by design; the first `written` is the one that counts.
    if (outcome === 'written' && !photo.written[target])
      photo.written[target] = { startedAt: now - durationMs, endedAt: now };
    else if (outcome !== 'written') photo.otherOutcomes[target].push(outcome);
  }

  /** Every photo is written to both targets, or one of them can no longer get there. */
  settled(): boolean {
    for (const photo of this.photos.values()) {
      // A failed ingest is retried by the host (then parked in webjobs-blobtrigger-poison): only a rejection is final.
      if (photo.ingestOutcome === 'rejected') continue;
      for (const target of ['exchange', 'sharepoint'] as const) {
        if (photo.written[target]) continue;
        if (photo.otherOutcomes[target].some((o) => TERMINAL_FAILURES.has(o))) continue;
        return false;
      }
    }
    return true;
  }

  /** When both targets were written, or undefined. */
  doneAt(photo: PhotoRecord): number | undefined {
    const { exchange, sharepoint } = photo.written;
    return exchange && sharepoint ? Math.max(exchange.endedAt, sharepoint.endedAt) : undefined;
  }
}
