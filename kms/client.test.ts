import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SluiceError } from '../common/index.ts';
import { randomBytes } from '../crypto/index.ts';
import { freePort } from '../scripts/ports.ts';
import { caught } from '../test/support/errors.ts';
import { startTestKms, type TestKms } from '../test/support/kms.ts';
import { KmsClient } from './index.ts';

/** A stand-in KMS that answers every request with `handler`. */
async function fakeKms(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}


describe('KmsClient against a real KMS', () => {
  let kms: TestKms;
  beforeAll(async () => {
    kms = await startTestKms();
  });
  afterAll(() => kms?.close());

  it('covers the key lifecycle', async () => {
    const client = kms.client;
    await client.health();
    expect(await client.status()).toMatchObject({ sealed: false, mode: 'file' });
    const { keyId, version } = await client.createKey('AES-256-GCM', { purpose: 'transfer', policy: { contextRequired: ['transferId'] } });
    expect(version).toBe(1);
    const context = { transferId: 'tr_1' };

    const dk = await client.dataKey(keyId, context);
    expect(dk.plaintext).toBeInstanceOf(Uint8Array);
    expect(dk.plaintext).toHaveLength(32);
    expect(await client.decrypt(keyId, dk.ciphertext, context)).toEqual(dk.plaintext);
    expect((await client.dataKey(keyId, context, { bytes: 48 })).plaintext).toHaveLength(48);

    const plaintext = randomBytes(100);
    const ciphertext = await client.encrypt(keyId, plaintext, context);
    expect(await client.decrypt(keyId, ciphertext, context)).toEqual(plaintext);
    expect(await client.rotate(keyId)).toBe(2);
    const rewrapped = await client.rewrap(keyId, ciphertext, context);
    expect(rewrapped.startsWith('sluice:v1:2:')).toBe(true);
    expect(await client.decrypt(keyId, rewrapped, context)).toEqual(plaintext);
    expect(await client.setMinDecryptVersion(keyId, 2)).toMatchObject({ minDecryptVersion: 2 });
    expect((await caught(client.decrypt(keyId, ciphertext, context))).code).toBe('FORBIDDEN');

    expect(await client.getKey(keyId)).toMatchObject({ keyId, alg: 'AES-256-GCM', purpose: 'transfer', versions: [1, 2] });
    expect((await client.listKeys({ limit: 1000 })).keys.map((k) => k.keyId)).toContain(keyId);
    expect((await client.disable(keyId)).state).toBe('disabled');
    expect((await caught(client.dataKey(keyId, context))).code).toBe('KEY_DISABLED');
    expect((await client.enable(keyId)).state).toBe('active');

    const wrong = await caught(client.decrypt(keyId, rewrapped, { transferId: 'tr_2' }));
    expect(wrong).toMatchObject({ code: 'DECRYPT_FAILED', status: 400 });
    const missing = await caught(client.dataKey(keyId, {}));
    expect(missing).toMatchObject({ code: 'VALIDATION_FAILED', details: { missing: ['transferId'] } });

    await client.destroy(keyId);
    const gone = await caught(client.decrypt(keyId, dk.ciphertext, context));
    expect(gone).toMatchObject({ code: 'KEY_DESTROYED', status: 410 });

    const page = await client.audit(0, 1000);
    expect(page.events.length).toBeGreaterThan(5);
    expect(page.next).toBe(page.events.at(-1)!.seq);
  });

  it('passes authorization failures through', async () => {
    const worker = new KmsClient({ url: kms.url, token: kms.workerToken });
    const { keyId } = await kms.client.createKey();
    expect((await caught(worker.dataKey(keyId, {}))).code).toBe('FORBIDDEN');
    const stranger = new KmsClient({ url: kms.url, token: 'kms_wrong' });
    expect((await caught(stranger.decrypt(keyId, 'sluice:v1:1:AAAA', {}))).code).toBe('UNAUTHENTICATED');
  });
});

describe('KmsClient fails closed', () => {
  const plaintext = new TextEncoder().encode('PLAINTEXT-MUST-NOT-LEAK-4411');
  const token = 'kms_client_secret_token_0099';

  function expectUnavailable(error: SluiceError): void {
    expect(error.code).toBe('KMS_UNAVAILABLE');
    expect(error.status).toBe(503);
    const rendered = [error.message, error.stack, JSON.stringify(error.toBody()), String(error.cause)].join('\n');
    expect(rendered).not.toContain('PLAINTEXT-MUST-NOT-LEAK');
    expect(rendered).not.toContain(token);
  }

  it('when nothing listens', async () => {
    const client = new KmsClient({ url: `http://127.0.0.1:${await freePort()}`, token });
    expectUnavailable(await caught(client.health()));
    expectUnavailable(await caught(client.encrypt('key_x', plaintext, {})));
  });

  it('when the KMS does not answer in time', async () => {
    const fake = await fakeKms(() => undefined);
    try {
      const client = new KmsClient({ url: fake.url, token, timeoutMs: 200 });
      const started = Date.now();
      expectUnavailable(await caught(client.encrypt('key_x', plaintext, {})));
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await fake.close();
    }
  });

  it('on 5xx, a sealed KMS, or an unreadable answer', async () => {
    const answers: Array<[number, string]> = [
      [500, JSON.stringify({ error: { code: 'INTERNAL', message: 'internal error' } })],
      [502, '<html>bad gateway</html>'],
      [503, JSON.stringify({ error: { code: 'KMS_SEALED', message: 'sealed' } })],
      [200, 'not json'],
      [200, JSON.stringify({ ciphertext: 42 })],
      [200, JSON.stringify(['array'])],
      [418, JSON.stringify({ error: { code: 'TEAPOT', message: 'x' } })],
    ];
    for (const [status, body] of answers) {
      const fake = await fakeKms((_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(body);
      });
      try {
        const error = await caught(new KmsClient({ url: fake.url, token }).encrypt('key_x', plaintext, {}));
        expectUnavailable(error);
        if (status === 503) expect(error.details).toMatchObject({ kmsCode: 'KMS_SEALED' });
      } finally {
        await fake.close();
      }
    }
  });

  it('when the connection drops mid-answer', async () => {
    const fake = await fakeKms((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"ciphertext":');
      setTimeout(() => res.destroy(), 20);
    });
    try {
      expectUnavailable(await caught(new KmsClient({ url: fake.url, token }).encrypt('key_x', plaintext, {})));
    } finally {
      await fake.close();
    }
  });
});
