import { sql } from 'kysely';
import { SluiceError } from '../../common/index.ts';
import { createSm3, open, seal } from '../../crypto/index.ts';
import type { GatewayContext } from '../context.ts';
import type { TransfersTable } from '../db/schema.ts';

/**
 * Packages live in the gateway database as parts of about a megabyte (every gateway on one
 * PostgreSQL serves any download; no row holds a whole package). Part 0 is the package's
 * prologue — its header, holding the package key wrapped to the recipient — sealed at rest under
 * a data key of the KMS key of the transfer's day. Once every download window of that day is over
 * the sweep destroys that KMS key, which makes every leftover copy of those parts (free pages,
 * WAL, backups) unopenable by anyone, the recipient included. One key per day, not per transfer,
 * keeps a transfer at one extra KMS call.
 */
const PART_BYTES = 1 << 20;

export interface PackageKey {
  keyId: string;
  wrapped: string;
  plaintext: Uint8Array;
}

const headContext = (transferId: string) => ({ purpose: 'package-head', transferId });
const headAad = (transferId: string) => `sluice.package-head.v1/${transferId}`;

/** A data key for one package's head, under the KMS key of the day `at`. */
export async function newPackageKey(ctx: GatewayContext, transferId: string, at: Date): Promise<PackageKey> {
  const keyId = await epochKey(ctx, at.toISOString().slice(0, 10));
  const data = await ctx.kms.dataKey(keyId, headContext(transferId), { bytes: 16 });
  return { keyId, wrapped: data.ciphertext, plaintext: data.plaintext };
}

/** The day's key, created by whichever gateway needs it first; a gateway that loses the race destroys its own. */
async function epochKey(ctx: GatewayContext, day: string): Promise<string> {
  const known = await ctx.db.selectFrom('package_key_epochs').select(['key_id', 'destroyed_at']).where('day', '=', day).executeTakeFirst();
  if (known && known.destroyed_at === null) return known.key_id;
  if (known) throw new SluiceError('CONFLICT', 'the package key of this day was already destroyed');
  const { keyId } = await ctx.kms.createKey('SM4', { purpose: 'package' });
  await ctx.db.insertInto('package_key_epochs').values({ day, key_id: keyId, destroyed_at: null }).onConflict((oc) => oc.column('day').doNothing()).execute();
  const winner = await ctx.db.selectFrom('package_key_epochs').select('key_id').where('day', '=', day).executeTakeFirstOrThrow();
  if (winner.key_id !== keyId) await destroyPackageKey(ctx, keyId);
  return winner.key_id;
}

/** Writes a package's bytes as parts, in order, and keeps the SM3 of the package as served. */
export class PackagePartWriter {
  readonly #digest = createSm3();
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #seq = 0;
  #size = 0;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly transferId: string,
    private readonly attempt: number,
    private readonly headKey: Uint8Array,
  ) {}

  async writeHead(prologue: Uint8Array): Promise<void> {
    this.#digest.update(prologue);
    await this.#insert(prologue.length, seal('SM4-GCM', this.headKey, prologue, headAad(this.transferId)));
  }

  async write(bytes: Uint8Array): Promise<void> {
    this.#digest.update(bytes);
    this.#pending.push(bytes);
    this.#pendingBytes += bytes.length;
    if (this.#pendingBytes >= PART_BYTES) await this.#flush();
  }

  /** Stores what is left; returns the package's size and hex SM3 digest. */
  async finish(): Promise<{ size: number; digest: string }> {
    await this.#flush();
    return { size: this.#size, digest: this.#digest.hex() };
  }

  async #flush(): Promise<void> {
    if (this.#pendingBytes === 0) return;
    // A sealed batch is a part on its own: stored as it is, without a copy.
    const part = this.#pending.length === 1 ? this.#pending[0]! : Buffer.concat(this.#pending, this.#pendingBytes);
    this.#pending = [];
    this.#pendingBytes = 0;
    await this.#insert(part.length, part);
  }

  async #insert(size: number, bytes: Uint8Array): Promise<void> {
    await this.ctx.db
      .insertInto('transfer_package_parts')
      .values({ transfer_id: this.transferId, attempt: this.attempt, seq: this.#seq++, first_byte: this.#size, size, bytes })
      .execute();
    this.#size += size;
  }
}

/**
 * Bytes `start` to `end` (inclusive) of a stored package, one part in memory at a time. The
 * head's data key is unwrapped before the first byte is produced, so a KMS failure is an error
 * response, not a cut stream.
 */
export async function readPackage(ctx: GatewayContext, transfer: TransfersTable, start: number, end: number): Promise<AsyncGenerator<Uint8Array>> {
  const parts = await ctx.db
    .selectFrom('transfer_package_parts')
    .select(['seq', 'first_byte', 'size'])
    .where('transfer_id', '=', transfer.id)
    .where('attempt', '=', transfer.package_attempt)
    .where('first_byte', '<=', end)
    .where(sql<number>`first_byte + size`, '>', start)
    .orderBy('seq')
    .execute();
  // The head is opened now, so its key is unwrapped and wiped before the response starts.
  const head = parts[0]?.seq === 0 ? await openHead(ctx, transfer) : undefined;
  return (async function* () {
    for (const part of parts) {
      const bytes = part.seq === 0 && head ? head : await partBytes(ctx, transfer, part.seq);
      const from = Math.max(0, start - part.first_byte);
      const to = Math.min(part.size, end - part.first_byte + 1);
      yield bytes.subarray(from, to);
    }
  })();
}

async function partBytes(ctx: GatewayContext, transfer: TransfersTable, seq: number): Promise<Uint8Array> {
  const row = await ctx.db
    .selectFrom('transfer_package_parts')
    .select('bytes')
    .where('transfer_id', '=', transfer.id)
    .where('attempt', '=', transfer.package_attempt)
    .where('seq', '=', seq)
    .executeTakeFirst();
  // Deleted between the listing and this read: the download window closed under the download.
  if (!row) throw new SluiceError('PACKAGE_EXPIRED', 'the package was deleted');
  return row.bytes;
}

async function openHead(ctx: GatewayContext, transfer: TransfersTable): Promise<Uint8Array> {
  const stored = await partBytes(ctx, transfer, 0);
  // Packages stored before migration 0030 were kept whole and in clear (they are sealed to the recipient).
  if (!transfer.package_key_id || !transfer.package_key) return stored;
  const key = await ctx.kms.decrypt(transfer.package_key_id, transfer.package_key, headContext(transfer.id));
  try {
    return open('SM4-GCM', key, stored, headAad(transfer.id));
  } finally {
    key.fill(0);
  }
}

/** Deletes the parts of the production attempts `attempts` selects (all of them by default). */
export async function deletePackageParts(ctx: GatewayContext, transferId: string, attempts: { only: number } | { below: number } | 'all' = 'all'): Promise<void> {
  let query = ctx.db.deleteFrom('transfer_package_parts').where('transfer_id', '=', transferId);
  if (attempts !== 'all') query = 'only' in attempts ? query.where('attempt', '=', attempts.only) : query.where('attempt', '<', attempts.below);
  await query.execute();
}

/** Destroys a package key; one already destroyed (a repeated sweep) is fine. */
export async function destroyPackageKey(ctx: GatewayContext, keyId: string): Promise<void> {
  try {
    await ctx.kms.destroy(keyId);
  } catch (error) {
    if (!(error instanceof SluiceError && (error.code === 'KEY_DESTROYED' || error.code === 'NOT_FOUND'))) throw error;
  }
}
