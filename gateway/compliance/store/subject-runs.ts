import { SUBJECT_BYTES, markFound, mergeRuns } from './sorted-keys.ts';

/**
 * One bucket's subjects in memory as a few disjoint sorted runs (16 bytes per subject). Runs
 * merge like a binary counter — a new run merges into the one before it while that one is no
 * larger — so there are O(log n) runs and each subject is copied O(log n) times.
 */
export class SubjectRuns {
  private runs: Uint8Array[] = [];
  private total = 0;

  get size(): number {
    return this.total;
  }

  get bytes(): number {
    return this.total * SUBJECT_BYTES;
  }

  /** Flags (1 = present) for each key of a sorted, distinct batch. */
  found(batch: Uint8Array): Uint8Array {
    const flags = new Uint8Array(batch.length / SUBJECT_BYTES);
    for (const run of this.runs) markFound(run, batch, flags);
    return flags;
  }

  /** Adds sorted, distinct keys that are not yet present. */
  add(keys: Uint8Array): void {
    if (keys.length === 0) return;
    this.runs.push(keys);
    this.total += keys.length / SUBJECT_BYTES;
    while (this.runs.length > 1 && this.runs[this.runs.length - 2]!.length <= this.runs[this.runs.length - 1]!.length) {
      const last = this.runs.pop()!;
      const before = this.runs.pop()!;
      this.runs.push(mergeRuns(before, last));
    }
  }
}
