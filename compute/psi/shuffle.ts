import { randomFillSync } from 'node:crypto';

/**
 * Fisher–Yates over fixed-size records (a multiple of 4 bytes) with CSPRNG indices, rejection
 * sampled so there is no modulo bias. Returns a shuffled copy; records move as 32-bit words,
 * which at 2^20 records takes milliseconds rather than the seconds of per-record Buffer copies.
 */
export function shuffle(records: Uint8Array, size: number): Uint8Array {
  const out = new Uint8Array(records);
  const words = new Uint32Array(out.buffer);
  const width = size / 4;
  const random = new Uint32Array(4096);
  let p = random.length;
  for (let i = records.length / size - 1; i > 0; i--) {
    const bound = i + 1;
    const limit = 2 ** 32 - (2 ** 32 % bound);
    let r: number;
    do {
      if (p === random.length) {
        randomFillSync(random);
        p = 0;
      }
      r = random[p++]!;
    } while (r >= limit);
    const j = r % bound;
    for (let k = 0; k < width; k++) {
      const t = words[i * width + k]!;
      words[i * width + k] = words[j * width + k]!;
      words[j * width + k] = t;
    }
  }
  return out;
}
