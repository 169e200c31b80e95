import { describe, expect, it } from 'vitest';
import { concatBytes, randomBytes, StreamDecryptor, StreamEncryptor, type StreamParams } from '../../crypto/index.ts';
import { sealStream } from './seal.ts';

const params = (segmentSize: number): StreamParams => ({ alg: 'SM4-GCM', key: randomBytes(16), noncePrefix: randomBytes(7), segmentSize, aad: randomBytes(32) });

async function* pieces(data: Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < data.length; at += size) yield data.subarray(at, at + size);
}

async function sealed(p: StreamParams, data: Uint8Array, threads: number, piece = 10_007): Promise<Uint8Array> {
  const out: Uint8Array[] = [];
  for await (const bytes of sealStream(p, pieces(data, piece), threads)) out.push(bytes);
  return concatBytes(...out);
}

function reference(p: StreamParams, data: Uint8Array): Uint8Array {
  const encryptor = new StreamEncryptor(p);
  return concatBytes(...encryptor.push(data), encryptor.finish());
}

const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

describe('sealStream', () => {
  it('gives StreamEncryptor\'s bytes exactly, on threads or not, at and around batch boundaries', async () => {
    // 1 KiB segments, 16 to a batch: 16 KiB batches.
    const p = params(1024);
    for (const length of [0, 1, 1024, 16 * 1024, 16 * 1024 + 1, 3 * 16 * 1024, 200_000]) {
      const data = randomBytes(length);
      const expected = reference(p, data);
      expect(same(await sealed(p, data, 0), expected)).toBe(true);
      expect(same(await sealed(p, data, 2, 3000), expected)).toBe(true);
    }
  });

  it('seals megabytes on threads into a stream that opens whole', async () => {
    const p = params(64 * 1024);
    const data = randomBytes(5 * (1 << 20) + 123);
    const decryptor = new StreamDecryptor(p);
    const bytes = await sealed(p, data, 2, 1 << 20);
    expect(same(concatBytes(...decryptor.push(bytes), decryptor.finish()), data)).toBe(true);
  });

  it('fails, not hangs, when its source fails', async () => {
    const failing = (async function* () {
      yield randomBytes(100_000);
      throw new Error('source broke');
    })();
    const run = async () => {
      for await (const _ of sealStream(params(1024), failing, 2)) void _;
    };
    await expect(run()).rejects.toThrow('source broke');
  });
});
