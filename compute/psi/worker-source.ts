/**
 * The per-item work of ECDH-PSI, run on `X25519Pool`'s threads: X25519 through node:crypto
 * (OpenSSL). Plain JavaScript so it runs unchanged under tsx, vitest and plain Node.
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
export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createPublicKey, diffieHellman, hash } = require('node:crypto');
parentPort.on('message', ({ id, op, key, domain, input, outBytes }) => {
  try {
    const data = Buffer.from(input);
    const count = op === 'hash' ? data.readUInt32BE(0) : data.length / 32;
    const out = Buffer.from(new ArrayBuffer(count * outBytes));
    const jwk = { kty: 'OKP', crv: 'X25519', x: '' };
    const importing = { key: jwk, format: 'jwk' };
    const derive = { privateKey: key, publicKey: undefined };
    let scratch = Buffer.allocUnsafe(domain.length + 256);
    scratch.set(domain);
    let offset = 4;
    for (let i = 0; i < count; i++) {
      let u;
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
      u[31] &= 0x7f;
      jwk.x = u.toString('base64url');
      derive.publicKey = createPublicKey(importing);
      diffieHellman(derive).copy(out, i * outBytes, 0, outBytes);
    }
    parentPort.postMessage({ id, output: out.buffer }, [out.buffer]);
  } catch {
    // A peer value that is a low-order point makes X25519 fail: the whole message is refused.
    parentPort.postMessage({ id, failed: true });
  }
});
`;
