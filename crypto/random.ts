import { randomBytes as nodeRandomBytes, timingSafeEqual } from 'node:crypto';
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
