import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer, createLogger, fail } from '../common/index.ts';
import { decodeColumn, decryptResult, evaluate, keygen, PSI_PROTOCOL, psiRespond, X25519Pool, type HeKeyset, type PsiSession } from './index.ts';

const run = promisify(execFile);
const bin = path.resolve(import.meta.dirname, '..', 'bin', 'sluice.js');
const TOKEN = 'partner-token';

/**
 * The partner CLI against a stand-in for the gateway routes it needs (the gateway wires the
 * real ones): `GET|POST /v1/compute/jobs/:id/psi`, `GET /v1/compute/jobs/:id/key`,
 * `POST /v1/compute/jobs/:id/contributions`.
 */
describe('partner CLI: sluice psi and sluice compute contribute', () => {
  let app: FastifyInstance;
  let server: string;
  let dir: string;
  let keys: HeKeyset;
  const pool = new X25519Pool(2);
  const contributions: Uint8Array[] = [];
  const owner = Array.from({ length: 400 }, (_, i) => `+86 138 0000 ${String(i).padStart(4, '0')}`);
  const session: PsiSession = { protocol: PSI_PROTOCOL, sessionId: 'job-7', mode: 'cardinality', minSetSize: 10 };

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cli-'));
    keys = await keygen('bfv');
    app = await createHttpServer({ logger: createLogger('gateway-stub', 'silent'), bodyLimit: 64 << 20, rateLimit: 10_000 });
    app.addContentTypeParser('application/octet-stream', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    app.addHook('onRequest', async (request) => {
      if (request.headers.authorization !== `Bearer ${TOKEN}`) throw fail.unauthenticated();
    });
    app.get('/v1/compute/jobs/job-7/psi', async () => session);
    app.post('/v1/compute/jobs/job-7/psi', async (request, reply) =>
      reply.type('application/octet-stream').send(Buffer.from(await psiRespond(session, owner, request.body as Buffer, pool))),
    );
    app.get('/v1/compute/jobs/job-7/key', async () => ({ keysetId: 'hks_1', scheme: 'bfv', publicKey: Buffer.from(keys.publicKey).toString('base64'), spec: { operation: 'mean', decimals: 2 } }));
    app.post('/v1/compute/jobs/job-7/contributions', async (request, reply) => {
      const column = decodeColumn(request.body as Buffer);
      contributions.push(request.body as Buffer);
      return reply.status(201).send({ input: 'partner-1', n: column.n });
    });
    await app.listen({ host: '127.0.0.1', port: 0 });
    server = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await app?.close();
    await pool.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const sluice = (...args: string[]) => run(process.execPath, [bin, ...args], { cwd: dir, env: { PATH: process.env.PATH } });

  it('psi prints the intersection cardinality of a line file, duplicates counted once', async () => {
    const mine = [...owner.slice(100, 250), ...owner.slice(100, 110), 'not-a-customer-1', 'not-a-customer-2'];
    fs.writeFileSync(path.join(dir, 'phones.txt'), mine.join('\n') + '\n');
    const { stdout } = await sluice('psi', '--server', server, '--token', TOKEN, '--job', 'job-7', '--in', 'phones.txt', '--threads', '2');
    expect(JSON.parse(stdout)).toEqual({ jobId: 'job-7', mode: 'cardinality', elements: 152, cardinality: 150 });
  });

  it('psi reports refusals with their code', async () => {
    fs.writeFileSync(path.join(dir, 'few.txt'), 'a\nb\n');
    const failed = await sluice('psi', '--server', server, '--token', TOKEN, '--job', 'job-7', '--in', 'few.txt').catch((e: { code: number; stderr: string }) => e);
    expect(failed).toMatchObject({ code: 1 });
    expect((failed as { stderr: string }).stderr).toContain('GROUP_TOO_SMALL');
  });

  it('compute contribute encrypts a CSV column locally and uploads only ciphertext', async () => {
    const rows = ['amount,name', '10.25,alice', ',bob', '-3.5,carol', '100,dave'];
    fs.writeFileSync(path.join(dir, 'amounts.csv'), rows.join('\n') + '\n');
    const { stdout } = await sluice('compute', 'contribute', '--server', server, '--token', TOKEN, '--job', 'job-7', '--column', 'amount', '--in', 'amounts.csv');
    expect(JSON.parse(stdout)).toMatchObject({ jobId: 'job-7', input: 'partner-1', n: 3, skipped: 1 });
    const upload = Buffer.from(contributions[0]!);
    for (const plain of ['alice', '10.25', '1025']) expect(upload.includes(plain)).toBe(false);
    const result = await evaluate({ operation: 'mean' }, contributions, { publicKey: keys.publicKey });
    expect(await decryptResult(keys.secretKey, result)).toEqual({ operation: 'mean', value: (10.25 - 3.5 + 100) / 3, n: 3 });
  });
});
