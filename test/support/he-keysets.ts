import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import type { FastifyRequest } from 'fastify';
import { createHttpServer, createLogger, fail, openDatabase, type Database } from '../../common/index.ts';
import { registerHeKeysets, type HeKeysetDeps } from '../../kms/he/index.ts';
import { secretKeyAad } from '../../kms/he/store.ts';

/**
 * The plugin on a bare server, for tests that must see inside it: the master-key barrier,
 * access hook and audit chain of the KMS are stood in for by an in-memory AES-GCM `wrap` (so a
 * test can open a sealed secret key and hunt for it as a canary), a token→caller hook with the
 * KMS's rule (the worker only on `access: 'worker'` routes), and an audit log array.
 * `kms-server.test.ts` runs the plugin inside the real KMS server.
 */
export const SERVICE = 'service-token-canary-7f3a';
export const WORKER = 'worker-token';

function stubDeps(database: Database<any>, audit: string[], workerEverywhere: boolean) {
  const master = randomBytes(32);
  const callers = new WeakMap<FastifyRequest, 'service' | 'worker'>();
  const deps: HeKeysetDeps = {
    database,
    requireUnsealed: () => undefined,
    wrap(data, aad) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', master, iv).setAAD(aad);
      return Buffer.concat([iv, cipher.update(data), cipher.final(), cipher.getAuthTag()]);
    },
    unwrap(sealed, aad) {
      const b = Buffer.from(sealed);
      const decipher = createDecipheriv('aes-256-gcm', master, b.subarray(0, 12)).setAAD(aad);
      decipher.setAuthTag(b.subarray(b.length - 16));
      return Buffer.concat([decipher.update(b.subarray(12, b.length - 16)), decipher.final()]);
    },
    audited: (entry, work) =>
      database.db.transaction().execute(async (trx) => {
        const result = await work(trx, { version: null });
        audit.push(`${entry.caller} ${entry.operation}`);
        return result;
      }),
    callerOf: (request) => callers.get(request)!,
  };
  const hook = async (request: FastifyRequest) => {
    const token = request.headers.authorization?.replace(/^Bearer /, '');
    const caller = token === SERVICE ? 'service' : token === WORKER ? 'worker' : undefined;
    if (!caller) throw fail.unauthenticated();
    const access = (request.routeOptions.config as { access?: string }).access;
    if (caller === 'worker' && access !== 'worker' && !workerEverywhere) throw fail.forbidden();
    callers.set(request, caller);
  };
  return { deps, hook };
}

export async function startHeKms(workerEverywhere = false, listen = false) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-kms-he-'));
  const database = openDatabase<any>({ sqlitePath: path.join(dir, 'kms.db') });
  const audit: string[] = [];
  const { deps, hook } = stubDeps(database, audit, workerEverywhere);
  const app = await createHttpServer({ logger: createLogger('kms-he-test', 'silent'), bodyLimit: 64 * 1024 * 1024, rateLimit: 10_000 });
  await app.register(async (scope) => {
    scope.addHook('onRequest', hook);
    await registerHeKeysets(scope, deps);
  });
  if (listen) await app.listen({ host: '127.0.0.1', port: 0 });
  else await app.ready();
  const url = listen ? `http://127.0.0.1:${(app.server.address() as AddressInfo).port}` : '';
  /** The sealed secret key of a key set, opened: the canary tests look for it everywhere. */
  const secretKeyOf = async (keysetId: string): Promise<Uint8Array> => {
    const row = await database.db.selectFrom('kms_he_keysets').selectAll().where('id', '=', keysetId).executeTakeFirstOrThrow();
    return deps.unwrap(row.secret_key, secretKeyAad(row.id, row.job_id));
  };
  return {
    app,
    url,
    audit,
    database,
    deps,
    secretKeyOf,
    close: async () => {
      await app.close();
      await database.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
