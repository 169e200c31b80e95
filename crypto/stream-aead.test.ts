import { randomBytes } from 'node:crypto';
import { gcm as nobleGcm } from '@noble/ciphers/aes.js';
import { sm4 as smV2Sm4 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import type { AeadAlg } from './aead.ts';
import { concatBytes } from './bytes.ts';
import { StreamDecryptor, StreamEncryptor, type StreamParams } from './stream-aead.ts';

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));
const SEGMENT = 64;

function params(alg: AeadAlg = 'SM4-GCM'): StreamParams {
  return { alg, key: bytes(alg === 'SM4-GCM' ? 16 : 32), noncePrefix: bytes(7), segmentSize: SEGMENT, aad: bytes(32) };
}

/** Pushes `data` in random-sized pieces; returns the sealed segments in order. */
function sealSegments(p: StreamParams, data: Uint8Array): Uint8Array[] {
  const encryptor = new StreamEncryptor(p);
  const out: Uint8Array[] = [];
  for (let at = 0; at < data.length; ) {
    const n = 1 + Math.floor(Math.random() * 150);
    out.push(...encryptor.push(data.subarray(at, at + n)));
    at += n;
  }
  out.push(encryptor.finish());
  return out;
}

function openStream(p: StreamParams, sealed: Uint8Array, piece = 37): Uint8Array {
  const decryptor = new StreamDecryptor(p);
  const out: Uint8Array[] = [];
  for (let at = 0; at < sealed.length; at += piece) out.push(...decryptor.push(sealed.subarray(at, at + piece)));
  out.push(decryptor.finish());
  return concatBytes(...out);
}

/** The nonce layout written out independently of the implementation: prefix ‖ u32 BE index ‖ flag. */
function referenceNonce(prefix: Uint8Array, index: number, last: boolean): Uint8Array {
  return Uint8Array.from([...prefix, (index >>> 24) & 255, (index >>> 16) & 255, (index >>> 8) & 255, index & 255, last ? 1 : 0]);
}

describe('streaming AEAD (STREAM over GCM)', () => {
  it.each([0, 1, SEGMENT - 1, SEGMENT, SEGMENT + 1, 3 * SEGMENT, 3 * SEGMENT + 17, 1000])('round-trips %i bytes pushed and read in any piece sizes', (size) => {
    const p = params();
    const data = bytes(size);
    const segments = sealSegments(p, data);
    expect(segments).toHaveLength(Math.max(1, Math.ceil(size / SEGMENT)));
    const sealed = concatBytes(...segments);
    for (const piece of [1, 16, 80, 10_000]) expect(openStream(p, sealed, piece)).toEqual(data);
  });

  it('seals each segment exactly as sm-crypto-v2 SM4-GCM does with the documented nonce and AAD', () => {
    const p = params('SM4-GCM');
    const data = bytes(5 * SEGMENT + 9);
    const segments = sealSegments(p, data);
    segments.forEach((segment, i) => {
      const last = i === segments.length - 1;
      const plain = data.subarray(i * SEGMENT, (i + 1) * SEGMENT);
      const theirs = smV2Sm4.encrypt(plain, p.key, { mode: 'gcm', iv: referenceNonce(p.noncePrefix, i, last), associatedData: p.aad as Uint8Array, output: 'array', outputTag: true });
      expect(segment).toEqual(concatBytes(theirs.output, theirs.tag ?? new Uint8Array()));
    });
  });

  it('opens, with @noble/ciphers AES-GCM segment by segment, what the AES-256-GCM variant seals', () => {
    const p = params('AES-256-GCM');
    const data = bytes(4 * SEGMENT);
    const segments = sealSegments(p, data);
    const opened = segments.map((segment, i) => nobleGcm(p.key, referenceNonce(p.noncePrefix, i, i === segments.length - 1), p.aad as Uint8Array).decrypt(segment));
    expect(concatBytes(...opened)).toEqual(data);
  });

  describe('refuses every tampered stream', () => {
    const p = params();
    const data = bytes(4 * SEGMENT + 20);
    const segments = sealSegments(p, data);
    const fails = (parts: Uint8Array[], q: StreamParams = p) => expect(() => openStream(q, concatBytes(...parts))).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }));

    it('truncated: the last segment dropped, part of it dropped, or everything dropped', () => {
      fails(segments.slice(0, -1));
      fails([...segments.slice(0, -1), segments.at(-1)!.subarray(0, 10)]);
      fails([...segments.slice(0, -1), segments.at(-1)!.subarray(0, segments.at(-1)!.length - 1)]);
      fails([]);
      fails([segments[0]!.subarray(0, 15)]);
    });

    it('reordered or duplicated segments', () => {
      fails([segments[1]!, segments[0]!, ...segments.slice(2)]);
      fails([segments[0]!, segments[0]!, ...segments.slice(1)]);
      fails([...segments.slice(0, -1), segments[2]!, segments.at(-1)!]);
      fails([...segments, segments.at(-1)!]);
    });

    it('a flipped bit anywhere, appended bytes, another key, prefix or associated data', () => {
      const sealed = concatBytes(...segments);
      for (const at of [0, 5, SEGMENT + 3, SEGMENT + 16 + 1, sealed.length - 17, sealed.length - 1]) {
        const flipped = Uint8Array.from(sealed);
        flipped[at]! ^= 0x04;
        fails([flipped]);
      }
      fails([sealed, new Uint8Array([0])]);
      fails(segments, { ...p, key: bytes(16) });
      fails(segments, { ...p, noncePrefix: bytes(7) });
      fails(segments, { ...p, aad: bytes(32) });
      fails(segments, { ...p, segmentSize: SEGMENT + 16 });
    });
  });

  it('refuses use after finish and a malformed prefix', () => {
    const encryptor = new StreamEncryptor(params());
    encryptor.finish();
    expect(() => encryptor.push(bytes(1))).toThrow();
    expect(() => new StreamEncryptor({ ...params(), noncePrefix: bytes(12) })).toThrow(/prefix/);
  });
});
