import { createHmac, randomBytes } from 'node:crypto';
import smCrypto from 'sm-crypto';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from './bytes.ts';
import { createKeyedHash } from './keyed-hash.ts';

// RFC 4231 test cases 1-4, 6, 7 (case 5 is a truncated MAC, which this API does not offer).
const RFC4231 = [
  { key: '0b'.repeat(20), data: '4869205468657265', mac: 'b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7' },
  { key: '4a656665', data: '7768617420646f2079612077616e7420666f72206e6f7468696e673f', mac: '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843' },
  { key: 'aa'.repeat(20), data: 'dd'.repeat(50), mac: '773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe' },
  {
    key: '0102030405060708090a0b0c0d0e0f10111213141516171819',
    data: 'cd'.repeat(50),
    mac: '82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b',
  },
  {
    key: 'aa'.repeat(131),
    data: '54657374205573696e67204c6172676572205468616e20426c6f636b2d53697a65204b6579202d2048617368204b6579204669727374',
    mac: '60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54',
  },
  {
    key: 'aa'.repeat(131),
    data: Buffer.from(
      'This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.',
    ).toString('hex'),
    mac: '9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2',
  },
];

describe('createKeyedHash', () => {
  it('HMAC-SHA256 reproduces RFC 4231', () => {
    for (const v of RFC4231) {
      const kh = createKeyedHash('hmac-sha256', hexToBytes(v.key));
      expect(kh.hex(hexToBytes(v.data))).toBe(v.mac);
      expect(bytesToHex(kh.digest(hexToBytes(v.data)))).toBe(v.mac);
    }
  });

  it.each([
    ['hmac-sm3', 'sm3'],
    ['hmac-sha256', 'sha256'],
  ] as const)('%s equals createHmac for every length across block and native-path boundaries', (alg, node) => {
    for (const keyLength of [0, 1, 16, 32, 63, 64, 65, 131]) {
      const key = new Uint8Array(randomBytes(keyLength));
      const kh = createKeyedHash(alg, key);
      for (let len = 0; len <= 600; len += len < 140 ? 1 : 37) {
        const data = new Uint8Array(randomBytes(len));
        expect(kh.hex(data)).toBe(createHmac(node, key).update(data).digest('hex'));
      }
    }
  });

  it('hashes strings as UTF-8, ASCII fast path and multi-byte alike', () => {
    const key = new Uint8Array(randomBytes(32));
    const kh = createKeyedHash('hmac-sm3', key);
    for (const s of ['', '13800138000', '张三', 'a😀b', 'x'.repeat(70) + '中', '中'.repeat(300)]) {
      expect(kh.hex(s)).toBe(createHmac('sm3', key).update(s, 'utf8').digest('hex'));
    }
  });

  it.each([
    ['hmac-sm3', 'sm3'],
    ['hmac-sha256', 'sha256'],
  ] as const)('%s: strings of every length around one block, ASCII or not, equal createHmac', (alg, node) => {
    const key = new Uint8Array(randomBytes(32));
    const kh = createKeyedHash(alg, key);
    for (let len = 0; len <= 70; len++) {
      const ascii = Array.from({ length: len }, (_, i) => String.fromCharCode(0x20 + ((i * 7 + len) % 95))).join('');
      expect(kh.hex(ascii)).toBe(createHmac(node, key).update(ascii, 'utf8').digest('hex'));
      const mixed = ascii.slice(0, len >> 1) + 'é' + ascii.slice(len >> 1);
      expect(kh.hex(mixed)).toBe(createHmac(node, key).update(mixed, 'utf8').digest('hex'));
      expect(kh.hex(ascii)).toBe(createHmac(node, key).update(ascii, 'utf8').digest('hex'));
    }
  });

  it('HMAC-SM3 agrees with sm-crypto\'s independent implementation', () => {
    for (let i = 0; i < 20; i++) {
      const key = new Uint8Array(randomBytes(1 + i * 5));
      const data = new Uint8Array(randomBytes(i * 13));
      expect(createKeyedHash('hmac-sm3', key).hex(data)).toBe(smCrypto.sm3(data, { key }));
    }
  });

  it('keeps state isolated between calls and instances', () => {
    const a = createKeyedHash('hmac-sm3', new Uint8Array(16).fill(1));
    const b = createKeyedHash('hmac-sm3', new Uint8Array(16).fill(2));
    const first = a.hex('same');
    b.hex('other');
    a.hex('x'.repeat(1000));
    expect(a.hex('same')).toBe(first);
    expect(b.hex('same')).not.toBe(first);
    const d = a.digest('same');
    a.digest('changed');
    expect(bytesToHex(d)).toBe(first);
  });

  it('rejects unknown algorithms', () => {
    expect(() => createKeyedHash('hmac-md5' as 'hmac-sm3', new Uint8Array(16))).toThrow();
  });
});
