/**
 * A set of 16-byte tags computed under the holder's own secret scalar (X25519, truncated): the
 * partner's in PSI, the server's in a private join. Kept as indices into their packed words: no
 * string or object per tag, which at 2^20 tags is most of the comparison's time and memory.
 *
 * Open addressing on the tag's first 32 bits: those are uniform and unpredictable to the other
 * side, which does not know the scalar, so it cannot make the probe sequences long; a point it
 * sends twice gives an equal tag, which is stored once. Only tags the holder computed go in;
 * the other side's are only looked up.
 */
export class TagSet {
  /** Where the tags are written (16 bytes each), before `addRange` takes them in. */
  readonly bytes: Uint8Array;
  private readonly tags: Uint32Array;
  private readonly slots: Int32Array;
  private readonly mask: number;

  constructor(capacity: number) {
    this.tags = new Uint32Array(4 * capacity);
    this.bytes = new Uint8Array(this.tags.buffer);
    let size = 16;
    while (size < 2 * capacity) size *= 2;
    this.slots = new Int32Array(size);
    this.mask = size - 1;
  }

  /** Takes in tags [start, end) of `bytes`. */
  addRange(start: number, end: number): void {
    const { tags, slots, mask } = this;
    for (let i = start; i < end; i++) {
      let slot = tags[4 * i]! & mask;
      for (;;) {
        const held = slots[slot]!;
        if (held === 0) {
          slots[slot] = i + 1;
          break;
        }
        if (equal(tags, 4 * (held - 1), tags, 4 * i)) break;
        slot = (slot + 1) & mask;
      }
    }
  }

  /** Whether tag `index` of `other` (four words per tag) is in the set. */
  has(other: Uint32Array, index: number): boolean {
    return this.find(other, index) >= 0;
  }

  /** Where tag `index` of `other` was added (the first time, if twice), or -1. */
  find(other: Uint32Array, index: number): number {
    const { tags, slots, mask } = this;
    for (let slot = other[4 * index]! & mask; ; slot = (slot + 1) & mask) {
      const held = slots[slot]!;
      if (held === 0) return -1;
      if (equal(tags, 4 * (held - 1), other, 4 * index)) return held - 1;
    }
  }
}

function equal(a: Uint32Array, i: number, b: Uint32Array, j: number): boolean {
  return a[i] === b[j] && a[i + 1] === b[j + 1] && a[i + 2] === b[j + 2] && a[i + 3] === b[j + 3];
}
