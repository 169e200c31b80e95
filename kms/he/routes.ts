import { createHash, randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { errorResponseSchema, fail, migrate, SluiceError, type Database } from '../../common/index.ts';
import { decodePublicKey, decryptTotals, HE_RESULT_SCHEMA, HE_SCHEMES, keygen, OPERATIONS, PARAMETER_SETS, releaseTotals, warmHeContexts, type DpRelease, type HeScheme, type OperationKind, type SuppressedCell } from '../../compute/index.ts';
import { migrations, secretKeyAad, type HeDb, type HeSchema, type KeysetRow } from './store.ts';

type Caller = 'service' | 'worker';

/**
 * What the KMS lends this plugin; its `KmsPluginContext` satisfies it. Secret keys are stored
 * only as `wrap`ped under the master key, which never leaves the KMS.
 */
export interface HeKeysetDeps {
  database: Database<any>;
  /** Throws KMS_SEALED while the KMS is sealed. */
  requireUnsealed(): void;
  wrap(data: Uint8Array, aad: Uint8Array): Uint8Array;
  unwrap(sealed: Uint8Array, aad: Uint8Array): Uint8Array;
  /** Runs `work` in a transaction together with its audit event. */
  audited<T>(
    entry: { caller: Caller; operation: `${string}.${string}`; keyId?: string | null },
    work: (trx: Kysely<any>, note: { version: number | null }) => Promise<T>,
  ): Promise<T>;
  callerOf(request: FastifyRequest): Caller;
}

/** Route config the KMS's access hook reads: these routes serve the worker identity too. */
const workerAccess: Record<string, unknown> = { access: 'worker' };

const errors = { '4xx': errorResponseSchema, '5xx': errorResponseSchema } as const;
const base64 = { type: 'string', pattern: '^[A-Za-z0-9+/]*={0,2}$' } as const;
const idParams = {
  type: 'object',
  required: ['id'],
  additionalProperties: false,
  properties: { id: { type: 'string', pattern: '^hks_[A-Za-z0-9_-]{1,64}$' } },
} as const;
const publicView = {
  type: 'object',
  required: ['keysetId', 'jobId', 'scheme', 'keyId', 'publicKey'],
  properties: { keysetId: { type: 'string' }, jobId: { type: 'string' }, scheme: { type: 'string' }, keyId: { type: 'string' }, publicKey: { type: 'string' } },
} as const;

const liveList = {
  type: 'object',
  required: ['keysets', 'next'],
  properties: {
    keysets: {
      type: 'array',
      items: { type: 'object', required: ['keysetId', 'jobId', 'createdAt'], properties: { keysetId: { type: 'string' }, jobId: { type: 'string' }, createdAt: { type: 'string' } } },
    },
    next: { type: ['string', 'null'] },
  },
} as const;

interface CreateBody {
  jobId: string;
  scheme: HeScheme;
  /** The job's operation; `weightedSum` needs a key set whose parameters allow multiplication. */
  operation?: OperationKind;
  minGroupSize?: number;
  /** The owners' differential-privacy terms: every figure decrypted under this key set is noised. */
  dp?: DpRelease;
}

/** JSON schema of `DpRelease`: the terms are the gateway's to compute from the signed contracts. */
const dpSchema = {
  type: 'object',
  required: ['epsilonMicros', 'bound', 'rowsPerPerson', 'weight'],
  additionalProperties: false,
  properties: {
    epsilonMicros: { type: 'integer', minimum: 1, maximum: 100_000_000 },
    bound: { type: 'number', minimum: 0, maximum: 1e15 },
    rowsPerPerson: { type: 'integer', minimum: 1, maximum: 1_000_000 },
    weight: { type: 'number', minimum: 0, maximum: 1e15 },
  },
} as const;

const suppressSchema = {
  type: 'array',
  maxItems: 256,
  items: {
    type: 'object',
    required: ['cell', 'reason'],
    additionalProperties: false,
    properties: { cell: { type: 'integer', minimum: 0, maximum: 255 }, reason: { type: 'string', enum: ['primary', 'secondary'] } },
  },
} as const;

function service(deps: HeKeysetDeps, request: FastifyRequest): Caller {
  const caller = deps.callerOf(request);
  if (caller !== 'service') throw fail.forbidden('only the gateway may manage homomorphic key sets');
  return caller;
}

function view(row: KeysetRow) {
  return { keysetId: row.id, jobId: row.job_id, scheme: row.scheme, keyId: row.key_id, publicKey: Buffer.from(row.public_key).toString('base64') };
}

async function load(db: Kysely<HeSchema>, id: string): Promise<KeysetRow> {
  const row = await db.selectFrom('kms_he_keysets').selectAll().where('id', '=', id).executeTakeFirst();
  if (!row) throw fail.notFound('key set');
  return row;
}

/**
 * Homomorphic key sets for compute jobs, hosted by the KMS: one key set per job; the public
 * key for contributors and workers; the secret key sealed and used only to decrypt the job's
 * own evaluated result (by digest), only after the owners' release, never below the group size.
 */
export async function registerHeKeysets(app: FastifyInstance, deps: HeKeysetDeps): Promise<void> {
  await migrate(deps.database.db, deps.database.dialect, migrations, 'kms_he');
  const db = deps.database.db as HeDb;
  // In the background: the first key set then costs milliseconds, not SEAL's start-up.
  void warmHeContexts().catch(() => undefined);

  app.post<{ Body: CreateBody }>(
    '/v1/he/keysets',
    {
      schema: {
        body: {
          type: 'object',
          required: ['jobId', 'scheme'],
          additionalProperties: false,
          properties: {
            jobId: { type: 'string', pattern: '^[A-Za-z0-9_.:-]{1,128}$' },
            scheme: { type: 'string', enum: HE_SCHEMES },
            operation: { type: 'string', enum: OPERATIONS },
            minGroupSize: { type: 'integer', minimum: 1, maximum: 1_000_000 },
            dp: dpSchema,
          },
        },
        response: { 200: publicView, 201: publicView, ...errors },
      },
    },
    async (request, reply) => {
      const caller = service(deps, request);
      deps.requireUnsealed();
      const { jobId, scheme } = request.body;
      const plaintextMultiply = request.body.operation === 'weightedSum';
      const existing = await db.selectFrom('kms_he_keysets').selectAll().where('job_id', '=', jobId).executeTakeFirst();
      if (existing) {
        if (existing.destroyed_at !== null) throw fail.conflict('the job’s key set was destroyed');
        const set = PARAMETER_SETS[decodePublicKey(existing.public_key).params]!;
        if (existing.scheme !== scheme || (plaintextMultiply && !set.plaintextMultiply)) {
          throw fail.conflict('the job already has a key set of other parameters');
        }
        return reply.status(200).send(view(existing));
      }
      const keys = await keygen(scheme, { plaintextMultiply });
      const id = `hks_${randomUUID().replaceAll('-', '')}`;
      const row: KeysetRow = {
        id,
        job_id: jobId,
        scheme,
        key_id: keys.keyId,
        public_key: keys.publicKey,
        secret_key: deps.wrap(keys.secretKey, secretKeyAad(id, jobId)),
        min_group_size: request.body.minGroupSize ?? 10,
        dp: request.body.dp ? JSON.stringify(request.body.dp) : null,
        result_digest: null,
        approvals: null,
        released_at: null,
        created_at: Date.now(),
        destroyed_at: null,
      };
      keys.secretKey.fill(0);
      // Two concurrent creates for one job: the first insert wins and both answer with it.
      const stored = await deps.audited({ caller, operation: 'he.keyset.create', keyId: id }, async (trx) => {
        const raced = await (trx as HeDb).selectFrom('kms_he_keysets').selectAll().where('job_id', '=', jobId).executeTakeFirst();
        if (raced) return raced;
        await (trx as HeDb).insertInto('kms_he_keysets').values(row).execute();
        return row;
      });
      return reply.status(stored.id === row.id ? 201 : 200).send(view(stored));
    },
  );

  // The gateway's sweep compares these with its live jobs: a key set created after the gateway
  // gave up on the call (a stalled KMS finishing late) has no job, and is destroyed.
  app.get<{ Querystring: { after?: string; limit?: string } }>(
    '/v1/he/keysets',
    {
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { after: { type: 'string', pattern: '^hks_[A-Za-z0-9_-]{1,64}$' }, limit: { type: 'string', pattern: '^[1-9][0-9]{0,3}$' } },
        },
        response: { 200: liveList, ...errors },
      },
    },
    async (request) => {
      service(deps, request);
      const limit = Math.min(Number(request.query.limit ?? 500), 1000);
      let query = db.selectFrom('kms_he_keysets').select(['id', 'job_id', 'created_at']).where('destroyed_at', 'is', null).orderBy('id').limit(limit);
      if (request.query.after) query = query.where('id', '>', request.query.after);
      const rows = await query.execute();
      return { keysets: rows.map((r) => ({ keysetId: r.id, jobId: r.job_id, createdAt: new Date(Number(r.created_at)).toISOString() })), next: rows.length === limit ? rows.at(-1)!.id : null };
    },
  );

  app.get<{ Params: { id: string } }>(
    '/v1/he/keysets/:id/public',
    { config: workerAccess, schema: { params: idParams, response: { 200: publicView, ...errors } } },
    async (request) => view(await load(db, request.params.id)),
  );

  app.post<{ Params: { id: string }; Body: { digest: string } }>(
    '/v1/he/keysets/:id/result',
    {
      // The worker reports the digest of what it evaluated: the KMS will decrypt that ciphertext
      // and no other, so the key set cannot be turned into a decryption oracle for inputs.
      config: workerAccess,
      schema: {
        params: idParams,
        body: { type: 'object', required: ['digest'], additionalProperties: false, properties: { digest: { type: 'string', pattern: '^[0-9a-f]{64}$' } } },
        response: { 200: { type: 'object', required: ['recorded'], properties: { recorded: { type: 'boolean' } } }, ...errors },
      },
    },
    async (request) => {
      const caller = deps.callerOf(request);
      const { id } = request.params;
      const row = await load(db, id);
      if (row.destroyed_at !== null) throw fail.conflict('the job’s key set was destroyed');
      if (row.result_digest !== null) {
        // A re-run of the job evaluates the same ciphertexts to the same bytes.
        if (row.result_digest !== request.body.digest) throw fail.conflict('a different result was already recorded for this job');
        return { recorded: true };
      }
      await deps.audited({ caller, operation: 'he.keyset.result', keyId: id }, (trx) =>
        (trx as HeDb).updateTable('kms_he_keysets').set({ result_digest: request.body.digest }).where('id', '=', id).where('result_digest', 'is', null).execute(),
      );
      return { recorded: true };
    },
  );

  app.post<{ Params: { id: string }; Body: { approvals: unknown[] } }>(
    '/v1/he/keysets/:id/release',
    {
      schema: {
        params: idParams,
        body: { type: 'object', required: ['approvals'], additionalProperties: false, properties: { approvals: { type: 'array', minItems: 1, maxItems: 1000 } } },
        response: { 200: { type: 'object', required: ['keysetId', 'released'], properties: { keysetId: { type: 'string' }, released: { type: 'boolean' } } }, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      await markOnce(deps, db, { caller: service(deps, request), operation: 'he.keyset.release' }, id, 'released_at', { approvals: JSON.stringify(request.body.approvals) });
      return { keysetId: id, released: true };
    },
  );

  app.post<{ Params: { id: string }; Body: { ciphertext: string; suppress?: SuppressedCell[] } }>(
    '/v1/he/keysets/:id/decrypt',
    {
      // A result is up to three ciphertexts of ~0.4 MB (BFV variance), above the KMS's default cap.
      bodyLimit: 16 * 1024 * 1024,
      schema: {
        params: idParams,
        body: { type: 'object', required: ['ciphertext'], additionalProperties: false, properties: { ciphertext: base64, suppress: suppressSchema } },
        response: { 200: HE_RESULT_SCHEMA, ...errors },
      },
    },
    async (request) => {
      const caller = service(deps, request);
      deps.requireUnsealed();
      const { id } = request.params;
      return deps.audited({ caller, operation: 'he.keyset.decrypt', keyId: id }, async (trx) => {
        const row = await load(trx as HeDb, id);
        if (row.destroyed_at !== null) throw new SluiceError('KEY_DESTROYED', 'the job’s key set was destroyed; nothing under it decrypts');
        if (row.released_at === null) throw new SluiceError('RESULT_NOT_RELEASED', 'the owners have not released this result');
        const ciphertext = Buffer.from(request.body.ciphertext, 'base64');
        const digest = createHash('sha256').update(ciphertext).digest('hex');
        if (row.result_digest === null || digest !== row.result_digest) {
          throw new SluiceError('DECRYPT_FAILED', 'only the evaluated result of this job can be decrypted');
        }
        const secretKey = deps.unwrap(row.secret_key, secretKeyAad(row.id, row.job_id));
        try {
          const totals = await decryptTotals(secretKey, ciphertext, { minGroupSize: row.min_group_size });
          // Noise and suppression are applied here: the exact figure never leaves the KMS.
          return releaseTotals(totals, {
            floor: row.min_group_size,
            ...(row.dp ? { dp: JSON.parse(row.dp) as DpRelease } : {}),
            ...(request.body.suppress ? { suppress: request.body.suppress } : {}),
          });
        } finally {
          secretKey.fill(0);
        }
      });
    },
  );

  app.post<{ Params: { id: string } }>(
    '/v1/he/keysets/:id/destroy',
    {
      // The gateway calls this when a job ends (released or failed): the secret key is deleted,
      // so ciphertexts of the job left on workers, in backups or abroad can never be decrypted.
      schema: {
        params: idParams,
        response: { 200: { type: 'object', required: ['keysetId', 'destroyed'], properties: { keysetId: { type: 'string' }, destroyed: { type: 'boolean' } } }, ...errors },
      },
    },
    async (request) => {
      const { id } = request.params;
      await markOnce(deps, db, { caller: service(deps, request), operation: 'he.keyset.destroy' }, id, 'destroyed_at', { secret_key: new Uint8Array(0) });
      return { keysetId: id, destroyed: true };
    },
  );
}

/** Sets `column` to now, with `also`, in one audited transaction; once set, later calls change nothing. */
async function markOnce(
  deps: HeKeysetDeps,
  db: HeDb,
  entry: { caller: Caller; operation: `he.keyset.${string}` },
  id: string,
  column: 'released_at' | 'destroyed_at',
  also: Partial<KeysetRow>,
): Promise<void> {
  const row = await load(db, id);
  if (row[column] !== null) return;
  await deps.audited({ ...entry, keyId: id }, (trx) =>
    (trx as HeDb)
      .updateTable('kms_he_keysets')
      .set({ ...also, [column]: Date.now() })
      .where('id', '=', id)
      .where(column, 'is', null)
      .execute(),
  );
}
