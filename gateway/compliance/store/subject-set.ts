import { fail } from '../../../common/index.ts';
import { mergeDistinct, sortDistinct, SUBJECT_BYTES } from './sorted-keys.ts';

export { SUBJECT_BYTES };

/**
 * A batch of subject hashes, distinct and sorted, packed back to back. The store sees only keyed
 * hashes (HMAC-SM3 under a per-exporter key); any hash of at least 16 bytes is accepted and its
 * first 16 bytes kept, as truncating an HMAC keeps its properties up to the shorter length.
 */
export class SubjectSet {
  readonly size: number;

  private constructor(readonly keys: Uint8Array) {
    this.size = keys.length / SUBJECT_BYTES;
  }

  static of(hashes: readonly Uint8Array[]): SubjectSet {
    const packed = new Uint8Array(hashes.length * SUBJECT_BYTES);
    hashes.forEach((h, i) => {
      if (!(h instanceof Uint8Array) || h.length < SUBJECT_BYTES) throw fail.validation(`subject hashes must be byte strings of at least ${SUBJECT_BYTES} bytes`);
      packed.set(h.subarray(0, SUBJECT_BYTES), i * SUBJECT_BYTES);
    });
    return new SubjectSet(sortDistinct(packed));
  }

  /** Hashes already cut to SUBJECT_BYTES and packed back to back (e.g. as stored per dataset chunk). */
  static fromPacked(packed: Uint8Array): SubjectSet {
    if (packed.length % SUBJECT_BYTES !== 0) throw fail.validation(`packed subject hashes are multiples of ${SUBJECT_BYTES} bytes`);
    return new SubjectSet(sortDistinct(packed));
  }

  static union(a: SubjectSet, b: SubjectSet): SubjectSet {
    const both = new Uint8Array(a.keys.length + b.keys.length);
    both.set(a.keys);
    both.set(b.keys, a.keys.length);
    return new SubjectSet(sortDistinct(both));
  }

  /** The union with another set, by one forward merge (no sort). */
  merge(other: SubjectSet): SubjectSet {
    if (this.size === 0) return other;
    if (other.size === 0) return this;
    return new SubjectSet(mergeDistinct(this.keys, other.keys));
  }

  /** The keys whose flag is 0, still sorted. */
  without(flags: Uint8Array): SubjectSet {
    let n = 0;
    for (const f of flags) if (f === 0) n++;
    const out = new Uint8Array(n * SUBJECT_BYTES);
    let o = 0;
    flags.forEach((f, i) => {
      if (f !== 0) return;
      out.set(this.keys.subarray(i * SUBJECT_BYTES, (i + 1) * SUBJECT_BYTES), o);
      o += SUBJECT_BYTES;
    });
    return new SubjectSet(out);
  }
}
