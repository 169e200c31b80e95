import type { Kysely } from 'kysely';
import { chunkIdAt, chunksBetween, type Bucket } from './buckets.ts';
import { SubjectRuns } from './subject-runs.ts';

interface Entry {
  seq: number;
  head: Uint8Array | null;
  index: SubjectRuns;
}

function sameId(a: Uint8Array | null, b: Uint8Array | null): boolean {
  return a !== null && b !== null && Buffer.compare(a, b) === 0;
}

/**
 * In-memory copies of bucket subject sets, kept in step with the chunk log. A copy is current when
 * its last applied chunk (seq and random id) is the bucket's head; behind, it loads only the newer
 * chunks; otherwise it is rebuilt — that happens when it had read, inside a transaction, a chunk
 * that was then rolled back. The database stays the only truth, so several processes may share
 * it. Least recently used copies are dropped beyond the memory budget.
 */
export class SubjectSetCache {
  private readonly entries = new Map<number, Entry>();

  constructor(private readonly budgetBytes: number) {}

  /** The bucket's set as `db` sees it (a transaction sees its own appends). */
  async current(db: Kysely<any>, bucket: Bucket): Promise<SubjectRuns> {
    for (;;) {
      const before = this.entries.get(bucket.id);
      if (before && before.seq === bucket.chunks && (bucket.chunks === 0 || sameId(before.head, bucket.head))) {
        this.touch(bucket.id, before);
        return before.index;
      }
      let base = before;
      if (base && (base.seq >= bucket.chunks || (base.seq > 0 && !sameId(base.head, (await chunkIdAt(db, bucket.id, base.seq)) ?? null)))) {
        base = undefined;
      }
      const fromSeq = base?.seq ?? 0;
      const chunks = await chunksBetween(db, bucket.id, fromSeq, bucket.chunks);
      // Applied without an await in between; if another caller moved the entry meanwhile, start over.
      if (this.entries.get(bucket.id) !== before || (base !== undefined && base.seq !== fromSeq)) continue;
      const entry = base ?? { seq: 0, head: null, index: new SubjectRuns() };
      for (const chunk of chunks) {
        entry.index.add(chunk.hashes);
        entry.seq = chunk.seq;
        entry.head = chunk.chunk_id;
      }
      this.touch(bucket.id, entry);
      return entry.index;
    }
  }

  private touch(bucketId: number, entry: Entry): void {
    this.entries.delete(bucketId);
    this.entries.set(bucketId, entry);
    let total = 0;
    for (const e of this.entries.values()) total += e.index.bytes;
    for (const [id, e] of this.entries) {
      if (total <= this.budgetBytes || id === bucketId) break;
      this.entries.delete(id);
      total -= e.index.bytes;
    }
  }
}
