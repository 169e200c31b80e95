import { createCipheriv, randomBytes } from 'node:crypto';
import { ghash as nobleGhash } from '@noble/ciphers/_polyval.js';
import { gcm as nobleGcm } from '@noble/ciphers/aes.js';
import { sm4 as smV2Sm4 } from 'sm-crypto-v2';
import { describe, expect, it } from 'vitest';
import { bytesToHex, concatBytes, hexToBytes } from './bytes.ts';
import { createBlockCipher } from './block.ts';
import { AeadError, createGcm, packBytes } from './gcm.ts';
import { createGhash } from './ghash.ts';

const bytes = (n: number): Uint8Array => new Uint8Array(randomBytes(n));

// McGrew & Viega, "The Galois/Counter Mode of Operation", test cases 1-4 (AES-128) and 13-16
// (AES-256): the vectors NIST's GCM specification points to, all with 96-bit IVs.
const P =
  'd9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a721c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b391aafd255';
const A = 'feedfacedeadbeeffeedfacedeadbeefabaddad2';
const K1 = 'feffe9928665731c6d6a8f9467308308';
const IV = 'cafebabefacedbaddecaf888';
const NIST = [
  { k: '00'.repeat(16), iv: '00'.repeat(12), p: '', a: '', c: '', t: '58e2fccefa7e3061367f1d57a4e7455a' },
  { k: '00'.repeat(16), iv: '00'.repeat(12), p: '00'.repeat(16), a: '', c: '0388dace60b6a392f328c2b971b2fe78', t: 'ab6e47d42cec13bdf53a67b21257bddf' },
  {
    k: K1, iv: IV, p: P, a: '',
    c: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091473f5985',
    t: '4d5c2af327cd64a62cf35abd2ba6fab4',
  },
  {
    k: K1, iv: IV, p: P.slice(0, 120), a: A,
    c: '42831ec2217774244b7221b784d0d49ce3aa212f2c02a4e035c17e2329aca12e21d514b25466931c7d8f6a5aac84aa051ba30b396a0aac973d58e091',
    t: '5bc94fbc3221a5db94fae95ae7121a47',
  },
  { k: '00'.repeat(32), iv: '00'.repeat(12), p: '', a: '', c: '', t: '530f8afbc74536b9a963b4f1c4cb738b' },
  { k: '00'.repeat(32), iv: '00'.repeat(12), p: '00'.repeat(16), a: '', c: 'cea7403d4d606b6e074ec5d3baf39d18', t: 'd0d1c8a799996bf0265b98b5d48ab919' },
  {
    k: K1 + K1, iv: IV, p: P, a: '',
    c: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662898015ad',
    t: 'b094dac5d93471bdec1a502270e3cc6c',
  },
  {
    k: K1 + K1, iv: IV, p: P.slice(0, 120), a: A,
    c: '522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662',
    t: '76fc6ece0f4e1768cddf8853bb2d551b',
  },
];

// RFC 8998 Appendix A.1.
const SM4_GCM = {
  k: '0123456789abcdeffedcba9876543210',
  iv: '00001234567800000000abcd',
  a: 'feedfacedeadbeeffeedfacedeadbeefabaddad2',
  p: 'aaaaaaaaaaaaaaaabbbbbbbbbbbbbbbbccccccccccccccccddddddddddddddddeeeeeeeeeeeeeeeeffffffffffffffffeeeeeeeeeeeeeeeeaaaaaaaaaaaaaaaa',
  c: '17f399f08c67d5ee19d0dc9969c4bb7d5fd46fd3756489069157b282bb200735d82710ca5c22f0ccfa7cbf93d496ac15a56834cbcf98c397b4024a2691233b8d',
  t: '83de3541e4c2b58177e065a9bf7b62ec',
};

// Message sizes on both sides of the counter-block / native-CTR switch and of block boundaries.
const SIZES = [0, 1, 15, 16, 17, 31, 32, 33, 100, 2047, 2048, 2049, 4096, 70_000];

describe('GCM over AES (framework check against NIST and two independent implementations)', () => {
  it('reproduces the GCM specification test cases', () => {
    for (const v of NIST) {
      const g = createGcm(createBlockCipher('AES', hexToBytes(v.k)));
      const sealed = g.encrypt(hexToBytes(v.iv), hexToBytes(v.p), hexToBytes(v.a));
      expect(bytesToHex(sealed)).toBe(v.c + v.t);
      expect(bytesToHex(g.decrypt(hexToBytes(v.iv), sealed, hexToBytes(v.a)))).toBe(v.p);
    }
  });

  it('equals node:crypto and @noble/ciphers on random inputs', () => {
    for (const size of SIZES) {
      for (const aadSize of [0, 1, 16, 20, 48]) {
        const key = bytes(32), iv = bytes(12), pt = bytes(size), aad = bytes(aadSize);
        const ours = createGcm(createBlockCipher('AES', key)).encrypt(iv, pt, aad);
        const node = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
        expect(ours).toEqual(concatBytes(node.update(pt), node.final(), node.getAuthTag()));
        expect(ours).toEqual(nobleGcm(key, iv, aad).encrypt(pt));
      }
    }
  });
});

describe('SM4-GCM', () => {
  it('reproduces RFC 8998 Appendix A.1', () => {
    const g = createGcm(createBlockCipher('SM4', hexToBytes(SM4_GCM.k)));
    const sealed = g.encrypt(hexToBytes(SM4_GCM.iv), hexToBytes(SM4_GCM.p), hexToBytes(SM4_GCM.a));
    expect(bytesToHex(sealed)).toBe(SM4_GCM.c + SM4_GCM.t);
    expect(bytesToHex(g.decrypt(hexToBytes(SM4_GCM.iv), sealed, hexToBytes(SM4_GCM.a)))).toBe(SM4_GCM.p);
  });

  it('a column through encryptMany equals sm-crypto-v2 item by item', () => {
    const key = bytes(16), aad = bytes(19);
    const g = createGcm(createBlockCipher('SM4', key));
    const items = Array.from({ length: 500 }, (_, i) => ({ nonce: bytes(12), data: bytes(i % 40), aad }));
    g.encryptMany(items).forEach((ours, i) => {
      const { nonce, data } = items[i]!;
      const theirs = smV2Sm4.encrypt(data, key, { mode: 'gcm', iv: nonce, associatedData: aad, output: 'array', outputTag: true });
      expect(ours).toEqual(concatBytes(theirs.output, theirs.tag ?? new Uint8Array()));
    });
  });

  it('equals sm-crypto-v2\'s independent SM4-GCM on random inputs', () => {
    for (const size of SIZES) {
      for (const aadSize of [0, 13, 32]) {
        const key = bytes(16), iv = bytes(12), pt = bytes(size), aad = bytes(aadSize);
        const ours = createGcm(createBlockCipher('SM4', key)).encrypt(iv, pt, aad);
        const theirs = smV2Sm4.encrypt(pt, key, { mode: 'gcm', iv, associatedData: aad, output: 'array', outputTag: true });
        expect(ours).toEqual(concatBytes(theirs.output, theirs.tag ?? new Uint8Array()));
      }
    }
  });

  it('fails closed on any flipped bit in ciphertext, tag, nonce or AAD', () => {
    const key = bytes(16), iv = bytes(12), pt = bytes(40), aad = bytes(20);
    const g = createGcm(createBlockCipher('SM4', key));
    const sealed = g.encrypt(iv, pt, aad);
    const flip = (b: Uint8Array, i: number): Uint8Array => {
      const c = Uint8Array.from(b);
      c[i]! ^= 0x01;
      return c;
    };
    for (const i of [0, 39, 40, 55]) expect(() => g.decrypt(iv, flip(sealed, i), aad)).toThrow(AeadError);
    expect(() => g.decrypt(flip(iv, 11), sealed, aad)).toThrow(AeadError);
    expect(() => g.decrypt(iv, sealed, flip(aad, 0))).toThrow(AeadError);
    expect(() => g.decrypt(iv, sealed, aad.subarray(1))).toThrow(AeadError);
    expect(() => g.decrypt(iv, sealed.subarray(0, 15), aad)).toThrow(AeadError);
    expect(() => createGcm(createBlockCipher('SM4', bytes(16))).decrypt(iv, sealed, aad)).toThrow(AeadError);
    expect(g.decrypt(iv, sealed, aad)).toEqual(pt);
  });

  it('refuses nonces other than 96 bits', () => {
    const g = createGcm(createBlockCipher('SM4', bytes(16)));
    expect(() => g.encrypt(bytes(8), bytes(4), new Uint8Array())).toThrow(/12 bytes/);
  });
});

describe('GCM batches', () => {
  it.each(['SM4', 'AES'] as const)('%s: encryptMany equals encrypt per item across block budgets and the long path', (name) => {
    const g = createGcm(createBlockCipher(name, bytes(name === 'SM4' ? 16 : 32)));
    // 400 items of up to 300 bytes overflow one 4096-block batch; a few are long.
    const items = Array.from({ length: 400 }, (_, i) => ({
      nonce: bytes(12),
      data: bytes(i % 97 === 0 ? 3000 + i : (i * 37) % 300),
      aad: bytes(i % 5),
    }));
    const batch = g.encryptMany(items);
    items.forEach((item, i) => expect(batch[i]).toEqual(g.encrypt(item.nonce, item.data, item.aad)));
    const opened = g.decryptMany(items.map((item, i) => ({ ...item, data: batch[i]! })));
    opened.forEach((plain, i) => expect(plain).toEqual(items[i]!.data));
    expect(g.encryptMany([])).toEqual([]);
  });

  it('encryptPacked lays messages out after the reserved bytes, equal to encrypt, with one AAD absorbed once per run', () => {
    const g = createGcm(createBlockCipher('SM4', bytes(16)));
    const shared = bytes(21);
    const items = Array.from({ length: 300 }, (_, i) => ({ nonce: bytes(12), data: bytes((i * 13) % 70), aad: i < 200 ? shared : bytes(i % 7) }));
    const { data, ends } = packBytes(items.map((item) => item.data));
    const { out, starts } = g.encryptPacked({ data, ends, nonces: concatBytes(...items.map((item) => item.nonce)), aads: items.map((item) => item.aad) }, 5);
    items.forEach((item, i) => {
      expect(out.subarray(starts[i]!, starts[i]! + 5)).toEqual(new Uint8Array(5));
      expect(out.subarray(starts[i]! + 5, starts[i + 1]!)).toEqual(g.encrypt(item.nonce, item.data, item.aad));
    });
    expect(starts[items.length]).toBe(out.length);
  });

  it('stays equal to node:crypto for messages and AADs on both sides of every GHASH group boundary', () => {
    const key = bytes(32);
    const g = createGcm(createBlockCipher('AES', key));
    // GHASH reduces once per eight blocks: lengths around 0-4 groups, with the length block and
    // the AAD's last partial block landing in every position of a group.
    for (let blocks = 0; blocks <= 33; blocks++) {
      for (const extra of [0, 5]) {
        const aad = bytes((blocks * 7) % 150), iv = bytes(12), pt = bytes(blocks * 16 + extra);
        const node = createCipheriv('aes-256-gcm', key, iv).setAAD(aad);
        expect(g.encrypt(iv, pt, aad)).toEqual(concatBytes(node.update(pt), node.final(), node.getAuthTag()));
      }
    }
  });

  it('decryptMany fails as a whole when any one item is forged', () => {
    const g = createGcm(createBlockCipher('SM4', bytes(16)));
    const items = Array.from({ length: 10 }, () => ({ nonce: bytes(12), data: bytes(20), aad: new Uint8Array() }));
    const sealed = g.encryptMany(items).map((data, i) => ({ ...items[i]!, data }));
    sealed[7]!.data[3]! ^= 1;
    expect(() => g.decryptMany(sealed)).toThrow(AeadError);
  });
});

describe('GHASH', () => {
  it('matches the GCM specification\'s GHASH(H, A, C) for test case 2', () => {
    // H = E(K, 0^128) with K = 0^128; GHASH(H, {}, C) is given in the spec's worked example.
    const h = hexToBytes('66e94bd4ef8a2c3b884cfa59ca342b2e');
    const c = hexToBytes('0388dace60b6a392f328c2b971b2fe78');
    const ghash = createGhash(h);
    const out = new Uint8Array(16);
    ghash.finish(ghash.prefix(new Uint8Array()), 0, c, 0, c.length, out, 0);
    expect(bytesToHex(out)).toBe('f38cbb1ad69223dcc3457ae5b6b0f885');
  });

  /** GHASH(H, A, C) from @noble/ciphers, whose updates are zero-padded segments as in GCM. */
  const theirs = (h: Uint8Array, aad: Uint8Array, data: Uint8Array): Uint8Array => {
    const lengths = new DataView(new ArrayBuffer(16));
    lengths.setBigUint64(0, BigInt(aad.length) * 8n);
    lengths.setBigUint64(8, BigInt(data.length) * 8n);
    return nobleGhash.create(h).update(aad).update(data).update(new Uint8Array(lengths.buffer)).digest();
  };

  const ours = (h: Uint8Array, aad: Uint8Array, data: Uint8Array): Uint8Array => {
    const ghash = createGhash(h);
    const out = new Uint8Array(16);
    ghash.finish(ghash.prefix(aad), aad.length, data, 0, data.length, out, 0);
    return out;
  };

  it('equals @noble/ciphers\' GHASH on random keys, AADs and messages of 0-40 blocks', () => {
    for (let i = 0; i < 300; i++) {
      const h = bytes(16), aad = bytes((i * 29) % 200), data = bytes((i * 53) % 650);
      expect(ours(h, aad, data)).toEqual(theirs(h, aad, data));
    }
  });

  it('equals @noble/ciphers\' GHASH for keys at the edges of the field', () => {
    // x^0 alone (the wrap when dividing by x), x^127 alone, zero, all ones, and x^0 + x^127.
    const edges = ['80' + '00'.repeat(15), '00'.repeat(15) + '01', '00'.repeat(16), 'ff'.repeat(16), '80' + '00'.repeat(14) + '01'];
    for (const hex of edges) {
      for (const size of [0, 16, 100, 300]) {
        const aad = bytes(size % 33), data = bytes(size);
        expect(ours(hexToBytes(hex), aad, data)).toEqual(theirs(hexToBytes(hex), aad, data));
      }
    }
  });

  it('equals @noble/ciphers\' GHASH on messages longer than one copy into the module\'s memory', () => {
    for (const size of [65_520, 65_521, 65_536, 200_000 + 7]) {
      const h = bytes(16), aad = bytes(70_000), data = bytes(size);
      expect(ours(h, aad, data)).toEqual(theirs(h, aad, data));
    }
  });

  it('keeps each key\'s powers apart when keys take turns', () => {
    const keys = [bytes(16), bytes(16), bytes(16)];
    const hashes = keys.map((h) => createGhash(h));
    const aad = bytes(20);
    for (let round = 0; round < 3; round++) {
      hashes.forEach((ghash, k) => {
        const data = bytes(100 + 37 * round + k);
        const out = new Uint8Array(16);
        ghash.finish(ghash.prefix(aad), aad.length, data, 0, data.length, out, 0);
        expect(out).toEqual(theirs(keys[k]!, aad, data));
      });
    }
  });

  it('reads data at an offset, XORs into the output at an offset, and reuses one prefix for many messages', () => {
    const h = bytes(16), aad = bytes(45);
    const ghash = createGhash(h);
    const prefix = ghash.prefix(aad);
    for (const size of [0, 1, 16, 129, 200]) {
      const buffer = bytes(size + 9);
      const mask = bytes(16);
      const out = concatBytes(bytes(3), mask, bytes(2));
      const expected = theirs(h, aad, buffer.subarray(4, 4 + size)).map((b, i) => b ^ mask[i]!);
      ghash.finish(prefix, aad.length, buffer, 4, size, out, 3);
      expect(out.subarray(3, 19)).toEqual(expected);
    }
  });
});
