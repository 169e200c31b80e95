import { createCipheriv, createHmac } from 'node:crypto';
import { gcm as nobleGcm } from '@noble/ciphers/aes.js';
import { FF1 as nobleFF1 } from '@noble/ciphers/ff1.js';
import smCrypto from 'sm-crypto';
import { createAead, createBlockCipher, createKeyedHash, ff1, randomBytes } from '../crypto/index.ts';
import type { BenchResult } from './types.ts';

const WARMUP_MS = 250;
const DURATION_MS = 1000;

/** Operations per second of a synchronous `op`, after a timed warm-up so the JIT has settled. */
function rate(op: (i: number) => unknown, durationMs = DURATION_MS): number {
  // Batches grow until one takes about a millisecond, so reading the clock costs nothing
  // measurable for fast operations and slow ones do not overshoot the duration.
  const measure = (ms: number): number => {
    let count = 0;
    let batch = 1;
    const started = performance.now();
    for (let now = started; now - started < ms; ) {
      for (let i = 0; i < batch; i++) op(count++);
      const after = performance.now();
      if (after - now < 1) batch *= 2;
      now = after;
    }
    return count / ((performance.now() - started) / 1000);
  };
  measure(WARMUP_MS);
  return measure(durationMs);
}

function result(name: string, value: number, unit: string, baselineName: string, baselineValue: number): BenchResult {
  return { name, value, unit, baseline: { name: baselineName, value: baselineValue }, ratio: value / baselineValue };
}

/** Typical desensitization inputs: mobile numbers, resident IDs, e-mail addresses, names. */
const FIELDS = Array.from({ length: 1024 }, (_, i) =>
  [`138${String(i).padStart(8, '0')}`, `11010119900307${String(i % 10000).padStart(4, '0')}`, `user${i}@example.cn`, `张${i}`][i % 4]!,
);

export async function run(): Promise<BenchResult[]> {
  const results: BenchResult[] = [];
  const field = (i: number): string => FIELDS[i & 1023]!;

  const hmacKey = randomBytes(32);
  const keyed = createKeyedHash('hmac-sm3', hmacKey);
  const nodeKey = Buffer.from(hmacKey);
  results.push(
    result(
      'HMAC-SM3 per field, cached state (hex)',
      rate((i) => keyed.hex(field(i))),
      'fields/s',
      'createHmac(sm3) per field',
      rate((i) => createHmac('sm3', nodeKey).update(field(i)).digest('hex')),
    ),
  );
  const keyedSha = createKeyedHash('hmac-sha256', hmacKey);
  results.push(
    result(
      'HMAC-SHA256 per field, cached state (hex)',
      rate((i) => keyedSha.hex(field(i))),
      'fields/s',
      'createHmac(sha256) per field',
      rate((i) => createHmac('sha256', nodeKey).update(field(i)).digest('hex')),
    ),
  );

  const sm4Key = randomBytes(16);
  const sm4Gcm = createAead('SM4-GCM', sm4Key);
  const smallField = randomBytes(32);
  const aad = new TextEncoder().encode('ds_1|phone');
  const cbcIv = randomBytes(16);
  results.push(
    result(
      'SM4-GCM seal, 32-byte field',
      rate(() => sm4Gcm.seal(smallField, aad)),
      'fields/s',
      'sm-crypto SM4-CBC encrypt, 32-byte field',
      rate(() => smCrypto.sm4.encrypt(smallField, sm4Key, { mode: 'cbc', iv: cbcIv, output: 'array' })),
    ),
  );
  const column = Array.from({ length: 1000 }, () => randomBytes(32));
  results.push(
    result(
      'SM4-GCM sealMany, 1000 x 32-byte fields',
      1000 * rate(() => sm4Gcm.sealMany(column, aad)),
      'fields/s',
      'sm-crypto SM4-CBC encrypt, 32-byte field',
      results[results.length - 1]!.baseline.value,
    ),
  );
  const sealed = sm4Gcm.seal(smallField, aad);
  results.push(
    result(
      'SM4-GCM open, 32-byte field',
      rate(() => sm4Gcm.open(sealed, aad)),
      'fields/s',
      'sm-crypto SM4-CBC encrypt, 32-byte field',
      results[results.length - 1]!.baseline.value,
    ),
  );

  const bulk = randomBytes(1 << 20);
  const bulkSmall = bulk.subarray(0, 64 * 1024);
  const mib = (bytes: number, opsPerSecond: number): number => (bytes * opsPerSecond) / (1 << 20);
  results.push(
    result(
      'SM4-GCM seal, 1 MiB messages',
      mib(bulk.length, rate(() => sm4Gcm.seal(bulk, aad), 2000)),
      'MiB/s',
      'sm-crypto SM4-CBC, 64 KiB messages',
      mib(bulkSmall.length, rate(() => smCrypto.sm4.encrypt(bulkSmall, sm4Key, { mode: 'cbc', iv: cbcIv, output: 'array' }), 2000)),
    ),
  );

  // GCM's keystream: SM4 in WebAssembly vectors against OpenSSL 3.0's own SM4-CTR.
  const counter = randomBytes(16);
  counter[12] = 0;
  const sm4 = createBlockCipher('SM4', sm4Key);
  results.push(
    result(
      'SM4-CTR keystream (WebAssembly, constant time), 1 MiB messages',
      mib(bulk.length, rate(() => sm4.ctr(counter, bulk), 2000)),
      'MiB/s',
      'OpenSSL 3.0 sm4-ctr (node:crypto), 1 MiB messages',
      mib(bulk.length, rate(() => createCipheriv('sm4-ctr', sm4Key, counter).update(bulk), 2000)),
    ),
  );

  const aesKey = randomBytes(32);
  const aesGcm = createAead('AES-256-GCM', aesKey);
  const nonce = randomBytes(12);
  results.push(
    result(
      'AES-256-GCM seal (node:crypto), 32-byte field',
      rate(() => aesGcm.seal(smallField, aad)),
      'fields/s',
      '@noble/ciphers gcm encrypt, 32-byte field',
      rate(() => nobleGcm(aesKey, nonce, aad).encrypt(smallField)),
    ),
  );

  const tweak = new TextEncoder().encode('contract:ctr_1');
  const phones = FIELDS.filter((_, i) => i % 4 === 0).map((s) => [...s].map(Number));
  const phone = (i: number): number[] => phones[i & 255]!;
  const aesFf1Key = randomBytes(32);
  const nobleFf1 = nobleFF1(10, aesFf1Key, tweak);
  const nobleRate = rate((i) => nobleFf1.encrypt(phone(i)));
  const sm4Ff1 = ff1('SM4', randomBytes(16), 10);
  results.push(result('FF1-SM4 tokenize, 11-digit mobile', rate((i) => sm4Ff1.encrypt(phone(i), tweak)), 'tokens/s', '@noble/ciphers FF1 (AES)', nobleRate));
  const aesFf1 = ff1('AES', aesFf1Key, 10);
  results.push(result('FF1-AES tokenize, 11-digit mobile', rate((i) => aesFf1.encrypt(phone(i), tweak)), 'tokens/s', '@noble/ciphers FF1 (AES)', nobleRate));
  results.push(
    result('FF1-SM4 encryptMany, 256 mobiles per call', 256 * rate(() => sm4Ff1.encryptMany(phones, tweak)), 'tokens/s', '@noble/ciphers FF1 (AES)', nobleRate),
  );
  results.push(
    result('FF1-AES encryptMany, 256 mobiles per call', 256 * rate(() => aesFf1.encryptMany(phones, tweak)), 'tokens/s', '@noble/ciphers FF1 (AES)', nobleRate),
  );

  return results;
}
