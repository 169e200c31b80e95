import { describe, expect, it } from 'vitest';
import { keysA } from '../../test/support/desensitize.ts';
import { thrown } from '../../test/support/errors.ts';
import { createDesensitizer } from './desensitizer.ts';
import { createFieldEncryptor, decryptField, parseFieldCiphertext } from './transforms/field-encryption.ts';

const sm4Key = new Uint8Array(16).fill(3);
const aesKey = new Uint8Array(32).fill(4);

describe('field encryption', () => {
  it.each([
    ['SM4', sm4Key],
    ['AES-256-GCM', aesKey],
  ] as const)('%s: randomized, self-describing, decryptable with the data key', (alg, key) => {
    const enc = createFieldEncryptor(alg, key, 'kms:k1:v2');
    const a = enc.encrypt('张三丰 13812345678', 'name');
    const b = enc.encrypt('张三丰 13812345678', 'name');
    expect(a).not.toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9+/]+=*$/);
    expect(parseFieldCiphertext(a)).toEqual({ version: 1, alg, keyRef: 'kms:k1:v2' });
    expect(decryptField(a, 'name', key)).toBe('张三丰 13812345678');
    expect(decryptField(b, 'name', (ref, which) => (ref === 'kms:k1:v2' && which === alg ? key : new Uint8Array(key.length)))).toBe('张三丰 13812345678');
  });

  it('encrypts a column in one call with the same format, fresh nonces per value', () => {
    const enc = createFieldEncryptor('SM4', sm4Key, 'kms:k1:v1');
    const values = ['13800000000', '13800000000', '张三丰', 'x'.repeat(5000)];
    const out = enc.encryptMany!(values, 'phone');
    expect(new Set(out).size).toBe(4);
    expect(out.map((c) => decryptField(c, 'phone', sm4Key))).toEqual(values);
    expect(thrown(() => decryptField(out[0]!, 'name', sm4Key)).code).toBe('DECRYPT_FAILED');
  });

  it('works with encryptors that only encrypt one value at a time', () => {
    const single = { encrypt: (value: string, field: string) => `${field}:${value.length}` };
    const d = createDesensitizer({ v: { transform: 'encrypt' } }, keysA, { encryptor: single });
    expect(d.transformBatch([{ v: 'abc' }, { v: '' }, { v: null }, { v: {} }]).map((r) => r.v)).toEqual(['v:3', '', null, null]);
    expect(d.stats().nulled).toEqual({ v: 1 });
  });

  it('settles empty and unusable values before the column call', () => {
    const d = createDesensitizer({ v: { transform: 'encrypt' } }, keysA, { encryptor: createFieldEncryptor('SM4', sm4Key, 'r') });
    const out = d.transformBatch([{ v: 'a' }, { v: '' }, { v: null }, { v: [1] }, { v: 7 }]).map((r) => r.v);
    expect([out[1], out[2], out[3]]).toEqual(['', null, null]);
    expect([decryptField(out[0] as string, 'v', sm4Key), decryptField(out[4] as string, 'v', sm4Key)]).toEqual(['a', '7']);
    expect(d.stats().nulled).toEqual({ v: 1 });
  });

  it('binds the field name and key reference, and detects tampering', () => {
    const enc = createFieldEncryptor('SM4', sm4Key, 'kms:k1:v1');
    const ct = enc.encrypt('secret', 'phone');
    expect(thrown(() => decryptField(ct, 'email', sm4Key)).code).toBe('DECRYPT_FAILED');
    expect(thrown(() => decryptField(ct, 'phone', new Uint8Array(16))).code).toBe('DECRYPT_FAILED');
    const bytes = Buffer.from(ct, 'base64');
    bytes[bytes.length - 1]! ^= 1;
    expect(thrown(() => decryptField(bytes.toString('base64'), 'phone', sm4Key)).code).toBe('DECRYPT_FAILED');
    const relabelled = Buffer.from(ct, 'base64');
    relabelled[relabelled.indexOf('v1') + 1] = '2'.charCodeAt(0);
    expect(thrown(() => decryptField(relabelled.toString('base64'), 'phone', sm4Key)).code).toBe('DECRYPT_FAILED');
    expect(thrown(() => decryptField('bm90IGEgY2lwaGVydGV4dA==', 'phone', sm4Key)).code).toBe('DECRYPT_FAILED');
  });

  it('encrypts 1 MB values and leaves empty strings empty', () => {
    const big = '密'.repeat(1 << 20);
    const d = createDesensitizer({ v: { transform: 'encrypt' } }, keysA, { encryptor: createFieldEncryptor('SM4', sm4Key, 'r') });
    const [x, y, z] = d.transformBatch([{ v: big }, { v: '' }, { v: 42 }]).map((r) => r.v as string);
    expect(decryptField(x!, 'v', sm4Key)).toBe(big);
    expect(y).toBe('');
    expect(decryptField(z!, 'v', sm4Key)).toBe('42');
  });

  it('refuses a policy with encrypt but no encryptor, or an encryptor of another algorithm', () => {
    expect(thrown(() => createDesensitizer({ v: { transform: 'encrypt' } }, keysA)).details).toEqual({ field: 'v', param: 'transform' });
    const aes = createFieldEncryptor('AES-256-GCM', aesKey, 'r');
    expect(thrown(() => createDesensitizer({ v: { transform: 'encrypt' } }, keysA, { encryptor: aes })).details).toEqual({ field: 'v', param: 'alg' });
    const perAlg = createDesensitizer({ a: { transform: 'encrypt' }, b: { transform: 'encrypt', alg: 'AES-256-GCM' } }, keysA, {
      encryptor: (alg) => (alg === 'SM4' ? createFieldEncryptor('SM4', sm4Key, 's') : aes),
    });
    const [row] = perAlg.transformBatch([{ a: 'x', b: 'y' }]);
    expect([parseFieldCiphertext(row!.a as string).alg, parseFieldCiphertext(row!.b as string).alg]).toEqual(['SM4', 'AES-256-GCM']);
  });
});
