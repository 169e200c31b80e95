import { createHash, type Hash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely, Transaction } from 'kysely';
import { SluiceError, type Logger } from '../../common/index.ts';
import { canonicalize } from '../../crypto/index.ts';
import { Periodic } from '../anchoring/periodic.ts';
import type { GatewaySchema } from '../db/schema.ts';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route honours `Idempotency-Key`. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    idempotency: IdempotencyClaim | undefined;
  }
}

/** The first request with a key holds its claim until its response is recorded. */
export interface IdempotencyClaim {
  /**
   * Records the response inside the transaction that does the work, so the work and its record
   * commit together: a crash between them cannot make a retry do the work twice.
   */
  record(trx: Transaction<GatewaySchema>, status: number, body: unknown): Promise<void>;
}

/** Visible ASCII, as the IETF Idempotency-Key draft's examples (UUIDs, random strings). */
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;
/** A claim's heartbeat while its request runs; a pending key silent for STALE_MS was abandoned by a crash. */
const BEAT_MS = 10_000;
const STALE_MS = 60_000;
/** A retry arriving while the first request still runs waits this long for its response, then gets 409. */
const WAIT_MS = 15_000;
const POLL_MS = 100;
/** First responses are kept a day, then the key may be used afresh. */
const KEEP_MS = 24 * 3_600_000;

type Row = GatewaySchema['idempotency_keys'];

/**
 * `Idempotency-Key` on the routes that opt in (`config: { idempotent: true }`), after the IETF
 * draft: the first request with a key (per caller and route) runs and its successful (2xx)
 * response is kept; a retry with the same key and the same request gets that response again
 * (`Idempotent-Replayed: true`) and does no work; the same key with a different request is
 * `422 IDEMPOTENCY_KEY_REUSED`; a retry while the first still runs waits for it, then
 * `409 CONFLICT`. A refused request (4xx/5xx) keeps nothing: its retry runs afresh, which for a
 * refusal does no work either. A streamed body is fingerprinted as it is read.
 */
export function registerIdempotency(app: FastifyInstance, db: Kysely<GatewaySchema>, logger: Logger): void {
  app.decorateRequest('idempotency', undefined);
  const prune = new Periodic(
    () => db.deleteFrom('idempotency_keys').where('created_at', '<', new Date(Date.now() - KEEP_MS).toISOString()).execute(),
    3_600_000,
    () => logger.warn('idempotency keys not pruned'),
  );
  app.addHook('onReady', async () => prune.start());
  app.addHook('onClose', async () => prune.stop());

  app.addHook('preHandler', async (request, reply) => {
    if (!request.routeOptions.config.idempotent) return;
    const key = request.headers['idempotency-key'];
    if (key === undefined) return;
    if (typeof key !== 'string' || !KEY_PATTERN.test(key)) throw new SluiceError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 visible ASCII characters');
    const id = {
      caller: request.principal.role === 'admin' ? 'admin' : request.principal.party.id,
      scope: `${request.method} ${request.routeOptions.url}`,
      key,
    };
    const streamed = request.body instanceof Readable;
    const fingerprint = streamed ? null : jsonFingerprint(request);
    const claim = await acquire(db, id, fingerprint, request);
    if ('replay' in claim) return sendReplay(reply, claim.replay);
    request.idempotency = claim;
    if (streamed) request.body = claim.tap(request.body as Readable);
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = request.idempotency as Claim | undefined;
    if (claim) await claim.settle(reply.statusCode, payload);
    return payload;
  });
}

interface KeyId {
  caller: string;
  scope: string;
  key: string;
}

function requestPrefix(request: FastifyRequest): string {
  return `${request.method} ${request.url}\n${request.headers['content-type'] ?? ''}\n`;
}

function jsonFingerprint(request: FastifyRequest): string {
  return createHash('sha256')
    .update(requestPrefix(request))
    .update(canonicalize(request.body ?? null))
    .digest('hex');
}

async function acquire(db: Kysely<GatewaySchema>, id: KeyId, fingerprint: string | null, request: FastifyRequest): Promise<Claim | { replay: Row }> {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const now = new Date().toISOString();
    const inserted = await db
      .insertInto('idempotency_keys')
      .values({ ...id, fingerprint, state: 'pending', status: null, body: null, created_at: now, heartbeat_at: now })
      .onConflict((oc) => oc.columns(['caller', 'scope', 'key']).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 1) return new Claim(db, id, fingerprint, requestPrefix(request));
    const row = await db.selectFrom('idempotency_keys').selectAll().where('caller', '=', id.caller).where('scope', '=', id.scope).where('key', '=', id.key).executeTakeFirst();
    if (!row) continue;
    if (row.fingerprint !== null && fingerprint !== null && row.fingerprint !== fingerprint) throw reused();
    if (row.state === 'done') {
      if (fingerprint === null && row.fingerprint !== (await streamFingerprint(request))) throw reused();
      return { replay: row };
    }
    if (Date.parse(row.heartbeat_at) < Date.now() - STALE_MS) {
      // The first request's process died mid-way: its work never committed (it commits with the record), so take over.
      const taken = await db
        .updateTable('idempotency_keys')
        .set({ fingerprint, heartbeat_at: now })
        .where('caller', '=', id.caller)
        .where('scope', '=', id.scope)
        .where('key', '=', id.key)
        .where('state', '=', 'pending')
        .where('heartbeat_at', '=', row.heartbeat_at)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 1) return new Claim(db, id, fingerprint, requestPrefix(request));
      continue;
    }
    if (Date.now() > deadline) throw new SluiceError('CONFLICT', 'a request with this Idempotency-Key is still in progress; retry later');
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

function reused(): SluiceError {
  return new SluiceError('IDEMPOTENCY_KEY_REUSED', 'this Idempotency-Key was used for a different request');
}

async function streamFingerprint(request: FastifyRequest): Promise<string> {
  const hash = createHash('sha256').update(requestPrefix(request));
  for await (const chunk of request.body as Readable) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sendReplay(reply: FastifyReply, row: Row): FastifyReply {
  return reply.status(row.status!).header('idempotent-replayed', 'true').type('application/json; charset=utf-8').send(row.body);
}

class Claim implements IdempotencyClaim {
  #recorded = false;
  #hash: Hash | undefined;
  readonly #beat: NodeJS.Timeout;

  constructor(
    private readonly db: Kysely<GatewaySchema>,
    private readonly id: KeyId,
    private fingerprint: string | null,
    private readonly prefix: string,
  ) {
    this.#beat = setInterval(() => {
      void this.db
        .updateTable('idempotency_keys')
        .set({ heartbeat_at: new Date().toISOString() })
        .where('caller', '=', id.caller)
        .where('scope', '=', id.scope)
        .where('key', '=', id.key)
        .execute()
        .catch(() => undefined);
    }, BEAT_MS);
    this.#beat.unref();
  }

  /** The streamed body, hashed as the route reads it. */
  tap(body: Readable): Readable {
    const hash = (this.#hash = createHash('sha256').update(this.prefix));
    const tap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        done(null, chunk);
      },
    });
    body.on('error', (error) => tap.destroy(error));
    return body.pipe(tap);
  }

  async record(trx: Transaction<GatewaySchema>, status: number, body: unknown): Promise<void> {
    await this.#store(trx, status, JSON.stringify(body));
  }

  /** After the response: keeps a success not recorded yet; frees the key after a refusal (a record rolled back with its work included). */
  async settle(status: number, payload: unknown): Promise<void> {
    clearInterval(this.#beat);
    const success = status >= 200 && status < 300;
    if (success && this.#recorded) return;
    if (success && typeof payload === 'string') {
      await this.#store(this.db, status, payload);
      return;
    }
    await this.db
      .deleteFrom('idempotency_keys')
      .where('caller', '=', this.id.caller)
      .where('scope', '=', this.id.scope)
      .where('key', '=', this.id.key)
      .where('state', '=', 'pending')
      .execute();
  }

  async #store(executor: Kysely<GatewaySchema>, status: number, body: string): Promise<void> {
    if (this.#hash) this.fingerprint = this.#hash.digest('hex');
    await executor
      .updateTable('idempotency_keys')
      .set({ state: 'done', status, body, fingerprint: this.fingerprint })
      .where('caller', '=', this.id.caller)
      .where('scope', '=', this.id.scope)
      .where('key', '=', this.id.key)
      .execute();
    this.#recorded = true;
  }
}
