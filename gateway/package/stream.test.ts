import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import smCrypto from 'sm-crypto';
import { sm4 as smV2Sm4 } from 'sm-crypto-v2';
import { afterAll, describe, expect, it } from 'vitest';
import { aeadEncrypt, canonicalBytes, concatBytes, randomBytes, sm2Encrypt, sm2GenerateKeyPair } from '../../crypto/index.ts';
import { runCliInProcess } from '../../test/support/cli.ts';
import { openPackage, PackageReader, PackageWriter, PACKAGE_MAGIC, PACKAGE_SEGMENT_SIZE, type PackageMeta } from './stream.ts';

const recipient = sm2GenerateKeyPair();
const stranger = sm2GenerateKeyPair();
const meta: PackageMeta = { transferId: `trf_${'1'.repeat(32)}`, contractId: `ctr_${'2'.repeat(32)}`, recipientId: `pty_${'3'.repeat(32)}`, createdAt: '2026-12-03T00:00:00.000Z', records: 3 };

/** NDJSON spanning several segments, so truncation, reordering and duplication are all possible. */
const records = new TextEncoder().encode(
  Array.from({ length: 9000 }, (_, i) => JSON.stringify({ i, phone: `139****${String(i).padStart(4, '0')}`, city: ['Beijing', 'Shanghai'][i % 2] }) + '\n').join(''),
);

/** A package of `data` pushed in pieces of `pieces` bytes, its sealed segments apart. */
async function seal(data: Uint8Array, pieces = 7777, threads = 0): Promise<{ prologue: Uint8Array; segments: Uint8Array[] }> {
  const writer = new PackageWriter(recipient.publicKey, meta);
  const source = (async function* () {
    for (let at = 0; at < data.length; at += pieces) yield data.subarray(at, at + pieces);
  })();
  const out: Uint8Array[] = [];
  for await (const sealed of writer.seal(source, threads)) out.push(sealed);
  const bytes = concatBytes(...out);
  const segments: Uint8Array[] = [];
  for (let at = 0; at < bytes.length; at += PACKAGE_SEGMENT_SIZE + 16) segments.push(bytes.subarray(at, at + PACKAGE_SEGMENT_SIZE + 16));
  return { prologue: writer.prologue, segments };
}

const whole = (p: { prologue: Uint8Array; segments: Uint8Array[] }) => concatBytes(p.prologue, ...p.segments);
/** Byte equality without an element-by-element deep compare of half a megabyte. */
const same = (a: Uint8Array, b: Uint8Array) => Buffer.from(a.buffer, a.byteOffset, a.length).equals(Buffer.from(b.buffer, b.byteOffset, b.length));

const sealed = await seal(records);

describe('package format sluice.package.v2', () => {

  it('opens to the records, whole or pushed in pieces of any size', () => {
    expect(sealed.segments.length).toBe(Math.ceil(records.length / PACKAGE_SEGMENT_SIZE));
    expect(same(openPackage(whole(sealed), recipient.privateKey).records, records)).toBe(true);
    for (const piece of [1, 13, 65_552, 1 << 20]) {
      const reader = new PackageReader(recipient.privateKey);
      const bytes = whole(sealed);
      const out: Uint8Array[] = [];
      for (let at = 0; at < bytes.length; at += piece) out.push(...reader.push(bytes.subarray(at, at + piece)));
      out.push(...reader.finish());
      expect(same(concatBytes(...out), records)).toBe(true);
      expect(reader.header).toMatchObject({ format: 'sluice.package.v2', ...meta });
    }
  });

  it('is read by an independent decoder written from the documented layout (sm-crypto SM2, sm-crypto-v2 SM4-GCM)', () => {
    const bytes = whole(sealed);
    expect(bytes.subarray(0, 8)).toEqual(Uint8Array.from(Buffer.from('SLUICE\x02\n', 'latin1')));
    const headerLength = Buffer.from(bytes).readUInt32BE(8);
    const prologue = bytes.subarray(0, 12 + headerLength);
    const header = JSON.parse(Buffer.from(prologue.subarray(12)).toString('utf8'));
    expect(header.encryption).toMatchObject({ alg: 'SM2-SM4-GCM-STREAM', segmentSize: 65536 });
    // GM/T 0003.4 C1‖C3‖C2 with C1's 04 prefix; sm-crypto takes it without the prefix, cipherMode 1 = C1C3C2.
    const keyHex = smCrypto.sm2.doDecrypt(header.encryption.encryptedKey.slice(2), recipient.privateKey, 1, { output: 'array' }) as unknown as number[];
    const key = Uint8Array.from(keyHex);
    const aad = createHash('sm3').update(prologue).digest();
    const prefix = Buffer.from(header.encryption.noncePrefix, 'hex');
    const body = bytes.subarray(prologue.length);
    const size = header.encryption.segmentSize + 16;
    const plain: Uint8Array[] = [];
    for (let i = 0, at = 0; at < body.length; i++, at += size) {
      const last = at + size >= body.length;
      const nonce = Buffer.concat([prefix, Buffer.from([i >>> 24, (i >>> 16) & 255, (i >>> 8) & 255, i & 255, last ? 1 : 0])]);
      const segment = body.subarray(at, at + size);
      const out = smV2Sm4.decrypt(segment.subarray(0, -16), key, { mode: 'gcm', iv: nonce, associatedData: aad, tag: segment.subarray(-16), output: 'array' });
      plain.push(Uint8Array.from(out as ArrayLike<number>));
    }
    expect(same(concatBytes(...plain), records)).toBe(true);
  });

  describe('refuses a package altered in transit or at rest', () => {
    const { prologue, segments } = sealed;
    const refused = (bytes: Uint8Array, key = recipient.privateKey) => {
      let code: string | undefined;
      try {
        openPackage(bytes, key);
      } catch (error) {
        code = (error as { code?: string }).code;
      }
      return code;
    };

    it('truncated: the last segment dropped, cut inside a segment, or only the header left', () => {
      expect(refused(concatBytes(prologue, ...segments.slice(0, -1)))).toBe('DECRYPT_FAILED');
      expect(refused(whole(sealed).subarray(0, whole(sealed).length - 100))).toBe('DECRYPT_FAILED');
      expect(refused(concatBytes(prologue, segments[0]!.subarray(0, 40)))).toBe('DECRYPT_FAILED');
      expect(refused(prologue)).toBe('DECRYPT_FAILED');
      expect(refused(prologue.subarray(0, 20))).toBe('DECRYPT_FAILED');
    });

    it('segments reordered or duplicated, a segment appended', () => {
      expect(refused(concatBytes(prologue, segments[1]!, segments[0]!, ...segments.slice(2)))).toBe('DECRYPT_FAILED');
      expect(refused(concatBytes(prologue, segments[0]!, ...segments))).toBe('DECRYPT_FAILED');
      expect(refused(concatBytes(prologue, ...segments.slice(0, -1), segments[1]!, segments.at(-1)!))).toBe('DECRYPT_FAILED');
      expect(refused(concatBytes(prologue, ...segments, segments.at(-1)!))).toBe('DECRYPT_FAILED');
    });

    it('segments of another package of the same recipient spliced in', async () => {
      const other = await seal(records);
      expect(refused(concatBytes(prologue, other.segments[0]!, ...segments.slice(1)))).toBe('DECRYPT_FAILED');
      expect(refused(concatBytes(other.prologue, ...segments))).toBe('DECRYPT_FAILED');
    });

    it('a flipped bit in the header, a segment or a tag', () => {
      const bytes = whole(sealed);
      const headerAt = bytes.indexOf(0x22, 12 + 10);
      for (const at of [headerAt, prologue.length + 5, prologue.length + PACKAGE_SEGMENT_SIZE + 3, bytes.length - 1]) {
        const flipped = Uint8Array.from(bytes);
        flipped[at]! ^= 0x01;
        expect(refused(flipped), `bit at ${at}`).toMatch(/DECRYPT_FAILED|VALIDATION_FAILED/);
      }
      const records2 = new TextEncoder().encode(Buffer.from(prologue.subarray(12)).toString().replace('"records":3', '"records":4'));
      const relabelled = concatBytes(PACKAGE_MAGIC, Uint8Array.from([0, 0, (records2.length >> 8) & 255, records2.length & 255]), records2, ...segments);
      expect(refused(relabelled)).toBe('DECRYPT_FAILED');
    });

    it('opened with another key, or not a package at all', () => {
      expect(refused(whole(sealed), stranger.privateKey)).toBe('DECRYPT_FAILED');
      expect(refused(new TextEncoder().encode('SLUICE?\n not a package'))).toBe('VALIDATION_FAILED');
      expect(refused(new Uint8Array(0))).toBe('VALIDATION_FAILED');
    });
  });

  it('still opens the first format (one JSON object, sluice.package.v1)', () => {
    const key = randomBytes(16);
    const nonce = randomBytes(12);
    const header = {
      format: 'sluice.package.v1',
      ...meta,
      encryption: { alg: 'SM2-SM4-GCM', encryptedKey: Buffer.from(sm2Encrypt(recipient.publicKey, key)).toString('hex'), nonce: Buffer.from(nonce).toString('base64') },
    };
    const ciphertext = aeadEncrypt('SM4-GCM', key, nonce, records, canonicalBytes(header));
    const v1 = new TextEncoder().encode(JSON.stringify({ ...header, ciphertext: Buffer.from(ciphertext).toString('base64') }));
    expect(same(openPackage(v1, recipient.privateKey).records, records)).toBe(true);
    const altered = new TextEncoder().encode(new TextDecoder().decode(v1).replace('"records":3', '"records":4'));
    expect(() => openPackage(altered, recipient.privateKey)).toThrow(expect.objectContaining({ code: 'DECRYPT_FAILED' }));
  });

  describe('sluice open', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-open-'));
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    fs.writeFileSync(path.join(dir, 'key.json'), JSON.stringify({ alg: 'sm2', ...recipient }));

    it('writes the records of a package as NDJSON', async () => {
      fs.writeFileSync(path.join(dir, 'ok.sluice'), whole(sealed));
      const out = await runCliInProcess(['open', 'ok.sluice', '--key', 'key.json'], { cwd: dir });
      expect(out.code, out.stderr).toBe(0);
      expect(out.stdout).toBe(new TextDecoder().decode(records));
    });

    it('exits 1 on a package cut short, after only the segments that authenticated', async () => {
      const cut = concatBytes(sealed.prologue, ...sealed.segments.slice(0, -1));
      fs.writeFileSync(path.join(dir, 'cut.sluice'), cut);
      const out = await runCliInProcess(['open', 'cut.sluice', '--key', 'key.json'], { cwd: dir });
      expect(out.code).toBe(1);
      expect(out.stderr).toMatch(/DECRYPT_FAILED|failed authentication/);
      expect(Buffer.byteLength(out.stdout)).toBe((sealed.segments.length - 2) * PACKAGE_SEGMENT_SIZE);
      expect(same(records.subarray(0, Buffer.byteLength(out.stdout)), new TextEncoder().encode(out.stdout))).toBe(true);
    });
  });
});
