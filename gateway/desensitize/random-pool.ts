import { randomBytes } from '../../crypto/index.ts';

const POOL_BYTES = 16 * 1024;

/**
 * Cryptographic randomness drawn from one large buffer: per-field nonces and per-row shuffle
 * draws would otherwise pay a native call each.
 */
export class RandomPool {
  private pool = randomBytes(POOL_BYTES);
  private offset = 0;

  /** A view of `n` fresh bytes; valid until the next call. */
  bytes(n: number): Uint8Array {
    if (n > POOL_BYTES) return randomBytes(n);
    if (this.offset + n > POOL_BYTES) {
      this.pool = randomBytes(POOL_BYTES);
      this.offset = 0;
    }
    const out = this.pool.subarray(this.offset, this.offset + n);
    this.offset += n;
    return out;
  }

  uint32(): number {
    const b = this.bytes(4);
    return ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) >>> 0;
  }

  /** Uniform in [0, n) for n ≤ 2^32, by rejection so no value is favoured. */
  below(n: number): number {
    const limit = 0x100000000 - (0x100000000 % n);
    for (;;) {
      const x = this.uint32();
      if (x < limit) return x % n;
    }
  }
}

/** Fisher–Yates with unbiased cryptographic draws. */
export function shuffleInPlace<T>(items: T[], random: RandomPool): void {
  for (let i = items.length - 1; i > 0; i--) {
    const j = random.below(i + 1);
    const t = items[i]!;
    items[i] = items[j]!;
    items[j] = t;
  }
}
