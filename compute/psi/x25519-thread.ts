/**
 * The per-item work of ECDH-PSI, run on `X25519Pool`'s threads: X25519 through node:crypto
 * (OpenSSL).
 *
 * A task carries the batch's private KeyObject (imported once on the main thread: a PKCS#8
 * import costs ~0.45 ms, and a cloned KeyObject shares the native key). Each peer point is
 * imported from JWK, the cheapest import Node 20 offers (~7 µs, against ~100 µs for DER/SPKI
 * through OpenSSL 3.0's decoders); the JWK and option objects are reused across items.
 *
 * `hash` tasks read a u32 count, then each element as u32 length + UTF-8 bytes, and map it to a
 * u-coordinate: one-shot SHA-256 of domain ‖ length ‖ element (`crypto.hash` costs half of a
 * `createHash` object per item). `mult` tasks read packed 32-byte u-coordinates.
 */
import { createPublicKey, diffieHellman, hash, type JsonWebKey, type KeyObject } from 'node:crypto';
import { SluiceError } from '../../common/errors.ts';
import { serveTasks } from '../../common/threads/serve.ts';

export interface X25519Task {
  op: 'hash' | 'mult';
  key: KeyObject;
  /** Prefix of every hashed element (`hash` only). */
  domain: Uint8Array;
  input: ArrayBuffer;
  /** Leading bytes kept of each 32-byte X25519 result. */
  outBytes: number;
}

/** `outBytes` of X25519(key, u) for each item of the task, in order. */
function run({ op, key, domain, input, outBytes }: X25519Task): ArrayBuffer {
  const data = Buffer.from(input);
  const count = op === 'hash' ? data.readUInt32BE(0) : data.length / 32;
  const out = Buffer.from(new ArrayBuffer(count * outBytes));
  const jwk: JsonWebKey = { kty: 'OKP', crv: 'X25519', x: '' };
  const importing = { key: jwk, format: 'jwk' as const };
  const derive: { privateKey: KeyObject; publicKey: KeyObject } = { privateKey: key, publicKey: key };
  let scratch = Buffer.allocUnsafe(domain.length + 256);
  scratch.set(domain);
  let offset = 4;
  for (let i = 0; i < count; i++) {
    let u: Buffer;
    if (op === 'hash') {
      const length = 4 + data.readUInt32BE(offset);
      if (scratch.length < domain.length + length) {
        scratch = Buffer.allocUnsafe(2 * (domain.length + length));
        scratch.set(domain);
      }
      data.copy(scratch, domain.length, offset, offset + length);
      u = hash('sha256', scratch.subarray(0, domain.length + length), 'buffer');
      offset += length;
    } else {
      u = data.subarray(i * 32, i * 32 + 32);
    }
    u[31]! &= 0x7f;
    jwk.x = u.toString('base64url');
    derive.publicKey = createPublicKey(importing);
    diffieHellman(derive).copy(out, i * outBytes, 0, outBytes);
  }
  return out.buffer as ArrayBuffer;
}

serveTasks(
  (task: X25519Task) => {
    try {
      return run(task);
    } catch {
      // A peer value that is a low-order point makes X25519 fail: the whole message is refused.
      throw new SluiceError('VALIDATION_FAILED', 'a PSI message holds an invalid point');
    }
  },
  (output) => [output],
);
