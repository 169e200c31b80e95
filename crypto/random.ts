import { randomBytes as nodeRandomBytes, randomFillSync, timingSafeEqual } from 'node:crypto';
import { fromBuffer, toBytes, type BytesLike } from './bytes.ts';

export function randomBytes(n: number): Uint8Array {
  return fromBuffer(nodeRandomBytes(n));
}

/** `prefix` verbatim followed by 32 random bytes in base64url (43 characters, 256 bits). */
export function randomToken(prefix: string): string {
  return prefix + nodeRandomBytes(32).toString('base64url');
}

/** Compares in time independent of where the inputs differ; only a length mismatch returns early. */
export function constantTimeEqual(a: BytesLike, b: BytesLike): boolean {
  const x = toBytes(a);
  const y = toBytes(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

// One CSPRNG call per 4 KiB instead of per nonce: a native randomBytes call costs more than
// sealing a short field. Only for values that are published anyway (nonces), never for keys,
// since the pool holds upcoming bytes in memory.
const pool = new Uint8Array(4096);
let poolOffset = pool.length;

/** Fills `target` with CSPRNG bytes that will be public (nonces, IVs). */
export function randomFillPublic(target: Uint8Array): void {
  for (let filled = 0; filled < target.length; ) {
    if (poolOffset === pool.length) {
      randomFillSync(pool);
      poolOffset = 0;
    }
    const take = Math.min(target.length - filled, pool.length - poolOffset);
    target.set(pool.subarray(poolOffset, poolOffset + take), filled);
    pool.fill(0, poolOffset, poolOffset + take);
    poolOffset += take;
    filled += take;
  }
}
