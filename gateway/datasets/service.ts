import { sql } from 'kysely';
import { fail, SluiceError } from '../../common/index.ts';
import { categoryForField } from '../discovery/index.ts';
import type { Party } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import type { DatasetsTable } from '../db/schema.ts';
import { newId } from '../ids.ts';
import { newWrappedKey } from '../keys.ts';
import { getParty, ownerSecret, partyKek } from '../parties/service.ts';
import { chunkAad, DATASET_AEAD, openChunk, sealChunk, sealColumns } from './chunks.ts';
import { inOrder } from './column-threads.ts';
import { SUBJECT_BYTES } from '../compliance/index.ts';
import { coerceRecord, type DataRecord, type Value } from './records.ts';
import { FIELD_NAME_PATTERN, type Category, type DatasetField, type FieldInput } from './schemas.ts';
import { hashSubjects, subjectCountingKey } from './subjects.ts';

export type DatasetRow = DatasetsTable;

const fieldName = new RegExp(FIELD_NAME_PATTERN, 'u');

/** Records per encrypted chunk: large enough to amortize AEAD and row overhead, small enough to stream. */
const CHUNK_RECORDS = 2000;

export function datasetFields(dataset: DatasetRow): DatasetField[] {
  return JSON.parse(dataset.fields) as DatasetField[];
}

function dekContext(datasetId: string): Record<string, string> {
  return { purpose: 'dataset', datasetId };
}

export async function createDataset(ctx: GatewayContext, owner: Party, input: { name: string; fields: FieldInput[] }) {
  const fields = normalizeFields(input.fields);
  const id = newId('ds');
  const kekId = await partyKek(ctx, owner);
  const wrappedDek = await newWrappedKey(ctx.kms, kekId, dekContext(id));
  await ctx.db
    .insertInto('datasets')
    .values({
      id,
      owner_id: owner.id,
      name: input.name,
      fields: JSON.stringify(fields),
      subject_field: fields.find((f) => f.subject)?.name ?? null,
      kek_id: kekId,
      wrapped_dek: wrappedDek,
      dek_alg: DATASET_AEAD,
      record_count: 0,
      created_at: ctx.now().toISOString(),
    })
    .execute();
  return { id, name: input.name, fields };
}

function normalizeFields(inputs: FieldInput[]): DatasetField[] {
  const seen = new Set<string>();
  for (const field of inputs) {
    if (!fieldName.test(field.name)) throw new SluiceError('VALIDATION_FAILED', 'field names are letters, digits, space, _ . -');
    if (seen.has(field.name)) throw new SluiceError('VALIDATION_FAILED', 'duplicate field name', { field: field.name });
    seen.add(field.name);
  }
  if (inputs.filter((f) => f.subject).length > 1) {
    throw new SluiceError('VALIDATION_FAILED', 'at most one field may be the subject identifier', { field: 'subject' });
  }
  return inputs.map((f) => ({
    name: f.name,
    type: f.type,
    category: f.category ?? (categoryForField(f.name, []) as Category),
    categorySource: f.category ? 'declared' : 'discovered',
    subject: f.subject === true,
  }));
}

export async function getDataset(ctx: GatewayContext, id: string): Promise<DatasetRow> {
  const dataset = await ctx.db.selectFrom('datasets').selectAll().where('id', '=', id).executeTakeFirst();
  if (!dataset) throw new SluiceError('NOT_FOUND', 'dataset not found');
  return dataset;
}

export function datasetView(dataset: DatasetRow) {
  return {
    id: dataset.id,
    name: dataset.name,
    ownerId: dataset.owner_id,
    fields: datasetFields(dataset),
    records: dataset.record_count,
    createdAt: dataset.created_at,
  };
}

/** The dataset's data key, unwrapped by the KMS for the duration of one request. */
export async function unwrapDatasetKey(ctx: GatewayContext, dataset: DatasetRow): Promise<Uint8Array> {
  return ctx.kms.decrypt(dataset.kek_id, dataset.wrapped_dek, dekContext(dataset.id));
}

/** An upload its gateway is still writing holds this lock of `ctx.locks`. */
const UPLOAD_LOCK = 'sluice.upload';

/**
 * Stores an upload as encrypted chunks. Chunks are written as they arrive (so a long upload
 * never holds a database transaction) and become visible in one final transaction; a failed
 * or interrupted upload leaves only invisible chunks, removed here or by a gateway's clean-up
 * (`discardAbandonedUploads`).
 */
export async function appendRecords(ctx: GatewayContext, dataset: DatasetRow, batches: AsyncIterable<Record<string, unknown>[]>): Promise<number> {
  const fields = datasetFields(dataset);
  // Computations read numeric columns and count persons by subject: those are kept by column too.
  const byColumn = fields.some((f) => f.type === 'number' || f.subject);
  const subjectField = dataset.subject_field;
  const dek = await unwrapDatasetKey(ctx, dataset);
  let countingKey: Uint8Array | undefined;
  if (subjectField !== null) {
    try {
      const secret = await ownerSecret(ctx, await getParty(ctx, dataset.owner_id));
      countingKey = subjectCountingKey(secret);
      secret.fill(0);
    } catch (error) {
      dek.fill(0);
      throw error;
    }
  }
  const uploadId = newId('upl');
  try {
    // Held until the upload is committed or discarded: the gateways' clean-ups leave it alone meanwhile.
    return await ctx.locks.run(UPLOAD_LOCK, uploadId, () => storeUpload(ctx, dataset, uploadId, batches, { fields, byColumn, dek, countingKey }));
  } finally {
    dek.fill(0);
    countingKey?.fill(0);
  }
}

async function storeUpload(
  ctx: GatewayContext,
  dataset: DatasetRow,
  uploadId: string,
  batches: AsyncIterable<Record<string, unknown>[]>,
  keys: { fields: DatasetField[]; byColumn: boolean; dek: Uint8Array; countingKey: Uint8Array | undefined },
): Promise<number> {
  const { fields, byColumn, dek, countingKey } = keys;
  const subjectField = dataset.subject_field;
  await ctx.db
    .insertInto('dataset_uploads')
    .values({ id: uploadId, dataset_id: dataset.id, status: 'open', records: 0, created_at: ctx.now().toISOString(), committed_at: null })
    .execute();
  let inserted = 0;
  let seq = 0;
  let pending: DataRecord[] = [];
  const discovery = new Map<string, unknown[]>(fields.filter((f) => f.categorySource === 'discovered').map((f) => [f.name, []]));
  const flush = async () => {
    if (pending.length === 0) return;
    const payload = sealChunk(dek, dataset.id, uploadId, seq, pending);
    const columns = byColumn ? sealColumns(dek, dataset.id, uploadId, seq, pending, fields) : null;
    const subjects = subjectField !== null && countingKey ? hashSubjects(pending, subjectField, countingKey) : null;
    await ctx.db.insertInto('dataset_chunks').values({ dataset_id: dataset.id, upload_id: uploadId, seq, records: pending.length, payload, columns, subjects }).execute();
    seq += 1;
    pending = [];
  };
  try {
    for await (const batch of batches) {
      for (const raw of batch) {
        const record = coerceRecord(raw, fields, inserted + 1);
        sampleForDiscovery(discovery, record);
        pending.push(record);
        inserted += 1;
        if (pending.length >= CHUNK_RECORDS) await flush();
      }
    }
    await flush();
    await commitUpload(ctx, dataset, uploadId, inserted, refineCategories(fields, discovery));
  } catch (error) {
    await discardUpload(ctx, uploadId);
    throw error;
  }
  return inserted;
}

const DISCOVERY_SAMPLE = 1000;

function sampleForDiscovery(samples: Map<string, unknown[]>, record: DataRecord): void {
  for (const [name, values] of samples) {
    const value = record[name];
    if (values.length < DISCOVERY_SAMPLE && value !== null && value !== undefined) values.push(value);
  }
}

const CATEGORY_RANK: Record<Category, number> = { general: 0, personal: 1, sensitive: 2, important: 3, core: 4 };

/** Discovered categories only ever rise with content seen; declared ones are the owner's call. */
function refineCategories(fields: DatasetField[], samples: Map<string, unknown[]>): DatasetField[] {
  return fields.map((field) => {
    const values = samples.get(field.name);
    if (!values || values.length === 0) return field;
    const found = categoryForField(field.name, values.map(String)) as Category;
    return CATEGORY_RANK[found] > CATEGORY_RANK[field.category] ? { ...field, category: found } : field;
  });
}

async function commitUpload(ctx: GatewayContext, dataset: DatasetRow, uploadId: string, inserted: number, fields: DatasetField[]): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    const opened = await trx
      .updateTable('dataset_uploads')
      .set({ status: 'committed', records: inserted, committed_at: ctx.now().toISOString() })
      .where('id', '=', uploadId)
      .where('status', '=', 'open')
      .executeTakeFirst();
    // Only if a clean-up took it for abandoned (its lock lost with the lock session): nothing is counted.
    if (Number(opened.numUpdatedRows) !== 1) throw fail.conflict('the upload was discarded before it was committed; send it again');
    await trx
      .updateTable('datasets')
      .set({ record_count: sql`record_count + ${inserted}`, fields: JSON.stringify(fields) })
      .where('id', '=', dataset.id)
      .execute();
  });
}

/** Removes an upload's chunks and row unless it was committed; whether it did. */
async function discardUpload(ctx: GatewayContext, uploadId: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const open = await trx.selectFrom('dataset_uploads').select('id').where('id', '=', uploadId).where('status', '=', 'open').executeTakeFirst();
    if (!open) return false;
    await trx.deleteFrom('dataset_chunks').where('upload_id', '=', uploadId).execute();
    await trx.deleteFrom('dataset_uploads').where('id', '=', uploadId).execute();
    return true;
  });
}

/**
 * Removes the chunks of uploads a stopped gateway left open — this one before a restart, or
 * another on the same database. An upload still being written holds its lock on its gateway
 * and is left alone. Returns how many were removed.
 */
export async function discardAbandonedUploads(ctx: GatewayContext): Promise<number> {
  const open = await ctx.db.selectFrom('dataset_uploads').select('id').where('status', '=', 'open').execute();
  let discarded = 0;
  for (const { id } of open) {
    if (ctx.locks.heldHere(UPLOAD_LOCK, id)) continue;
    // Checked again under the lock: the upload may have been committed since it was listed.
    await ctx.locks.tryRun(UPLOAD_LOCK, id, async () => {
      if (await discardUpload(ctx, id)) discarded++;
    });
  }
  return discarded;
}

/** One stored chunk a read touches, and how many of its records (from the first) it takes. */
export interface PlannedChunk {
  uploadId: string;
  seq: number;
  take: number;
}

/**
 * The chunks holding the dataset's first `limit` records in upload order. Chunks are only ever
 * appended (an upload becomes visible at its commit, after every earlier one), so the same limit
 * gives the same chunks later; a plan can be made again from its record count.
 */
export async function planChunks(ctx: GatewayContext, dataset: DatasetRow, limit = Infinity): Promise<{ chunks: PlannedChunk[]; records: number }> {
  const chunks: PlannedChunk[] = [];
  let records = 0;
  for (const chunk of await committedChunks(ctx, dataset)) {
    if (records >= limit) break;
    const take = Math.min(chunk.records, limit - records);
    chunks.push({ uploadId: chunk.upload_id, seq: chunk.seq, take });
    records += take;
  }
  return { chunks, records };
}

/** Decrypted records of the dataset in upload order, chunk by chunk, stopping after `limit`. */
export async function* readRecords(ctx: GatewayContext, dataset: DatasetRow, dek: Uint8Array, limit = Infinity): AsyncGenerator<DataRecord[]> {
  for (const chunk of (await planChunks(ctx, dataset, limit)).chunks) yield (await readPlannedChunk(ctx, dataset, dek, chunk)).records;
}

/**
 * One planned chunk: its records (decrypted, cut to the plan) and the stored subject hashes of
 * those records (`hashSubjects`), or null for a chunk stored before hashes were kept.
 */
export async function readPlannedChunk(ctx: GatewayContext, dataset: DatasetRow, dek: Uint8Array, chunk: PlannedChunk): Promise<{ records: DataRecord[]; subjects: Uint8Array | null }> {
  const row = await ctx.db.selectFrom('dataset_chunks').select(['payload', 'subjects']).where('upload_id', '=', chunk.uploadId).where('seq', '=', chunk.seq).executeTakeFirstOrThrow();
  const records = openChunk(dek, dataset.id, chunk.uploadId, chunk.seq, row.payload);
  return { records: records.length > chunk.take ? records.slice(0, chunk.take) : records, subjects: row.subjects && cutSubjects(row.subjects, chunk.take) };
}

/**
 * One planned chunk as stored — its sealed records and their associated data — for a reader
 * that opens it elsewhere (a worker thread holding the dataset key).
 */
export async function readSealedChunk(ctx: GatewayContext, dataset: DatasetRow, chunk: PlannedChunk): Promise<{ sealed: Uint8Array; aad: Uint8Array; take: number }> {
  const row = await ctx.db.selectFrom('dataset_chunks').select('payload').where('upload_id', '=', chunk.uploadId).where('seq', '=', chunk.seq).executeTakeFirstOrThrow();
  return { sealed: row.payload, aad: chunkAad(dataset.id, chunk.uploadId, chunk.seq), take: chunk.take };
}

/** Chunks whose subject hashes are read in one query. */
const SUBJECT_PAGE = 256;

/**
 * The stored subject hashes of planned chunks, in plan order, without decrypting anything (null
 * for a chunk stored without them); read a page of chunks of one upload per query.
 */
export async function* plannedSubjects(ctx: GatewayContext, chunks: readonly PlannedChunk[]): AsyncGenerator<{ chunk: PlannedChunk; subjects: Uint8Array | null }> {
  for (let at = 0; at < chunks.length; ) {
    const upload = chunks[at]!.uploadId;
    let end = at;
    while (end < chunks.length && end - at < SUBJECT_PAGE && chunks[end]!.uploadId === upload) end++;
    const page = chunks.slice(at, end);
    const rows = await ctx.db
      .selectFrom('dataset_chunks')
      .select(['seq', 'subjects'])
      .where('upload_id', '=', upload)
      .where('seq', '>=', page[0]!.seq)
      .where('seq', '<=', page.at(-1)!.seq)
      .execute();
    const bySeq = new Map(rows.map((r) => [r.seq, r.subjects]));
    for (const chunk of page) {
      const stored = bySeq.get(chunk.seq);
      yield { chunk, subjects: stored ? cutSubjects(stored, chunk.take) : null };
    }
    at = end;
  }
}

/** Stores the subject hashes of a chunk kept before they were computed at upload. */
export async function storeChunkSubjects(ctx: GatewayContext, chunk: PlannedChunk, subjects: Uint8Array): Promise<void> {
  await ctx.db.updateTable('dataset_chunks').set({ subjects }).where('upload_id', '=', chunk.uploadId).where('seq', '=', chunk.seq).where('subjects', 'is', null).execute();
}

function cutSubjects(stored: Uint8Array, take: number): Uint8Array {
  const bytes = Uint8Array.from(stored);
  return bytes.length > take * SUBJECT_BYTES ? bytes.subarray(0, take * SUBJECT_BYTES) : bytes;
}

/** One chunk of one column: per row its value — null, or NaN for a numeric field, where the row has none — and its subject when the dataset has a subject field. */
export interface ColumnChunk {
  values: ArrayLike<Value>;
  subjects?: ArrayLike<Value>;
}

/**
 * One column of the dataset in upload order, chunk by chunk: from the chunks' by-column copy
 * where it holds the field (numeric fields), opened on the column threads, otherwise from the records.
 */
export async function* readColumnChunks(ctx: GatewayContext, dataset: DatasetRow, dek: Uint8Array, field: string, uploads?: readonly string[]): AsyncGenerator<ColumnChunk> {
  const subject = dataset.subject_field;
  const threads = ctx.compute.columns;
  const chunks = await committedChunks(ctx, dataset, uploads);
  // Only numeric fields are in the by-column copies: for any other, opening them is wasted work.
  const numeric = datasetFields(dataset).some((f) => f.name === field && f.type === 'number');
  const stored = numeric ? storedColumns(ctx, chunks) : withoutColumns(chunks);
  const open = ({ upload_id, seq, sealed }: StoredColumns) => (sealed ? threads.open({ key: dek, datasetId: dataset.id, uploadId: upload_id, seq, sealed, field }) : Promise.resolve(null));
  for await (const [{ upload_id, seq }, columns] of inOrder(stored, threads.capacity, open)) {
    if (columns) {
      yield subject === null ? { values: columns.values } : { values: columns.values, subjects: columns.subjects! };
      continue;
    }
    const records = await openRecords(ctx, dataset, dek, upload_id, seq);
    const values = records.map((r) => r[field] ?? null);
    yield subject === null ? { values } : { values, subjects: records.map((r) => r[subject] ?? null) };
  }
}

/** Chunks read by the page: one query per chunk cost the reading thread a third as much as the opening. */
const COLUMNS_PAGE = 32;

interface StoredColumns {
  upload_id: string;
  seq: number;
  /** The chunk's by-column copy, or null for a chunk stored without one. */
  sealed: Uint8Array | null;
}

/** The chunks' by-column copies in order, read a page of one upload at a time. */
async function* storedColumns(ctx: GatewayContext, chunks: readonly { upload_id: string; seq: number }[]): AsyncGenerator<StoredColumns> {
  for (let at = 0; at < chunks.length; ) {
    const upload = chunks[at]!.upload_id;
    let end = at;
    while (end < chunks.length && end - at < COLUMNS_PAGE && chunks[end]!.upload_id === upload) end++;
    const page = chunks.slice(at, end);
    const rows = await ctx.db.selectFrom('dataset_chunks').select(['seq', 'columns']).where('upload_id', '=', upload).where('seq', 'in', page.map((c) => c.seq)).execute();
    const bySeq = new Map(rows.map((r) => [r.seq, r.columns]));
    for (const { seq } of page) yield { upload_id: upload, seq, sealed: bySeq.get(seq) ?? null };
    at = end;
  }
}

async function* withoutColumns(chunks: readonly { upload_id: string; seq: number }[]): AsyncGenerator<StoredColumns> {
  for (const { upload_id, seq } of chunks) yield { upload_id, seq, sealed: null };
}

/** The dataset's committed uploads, in reading order: a state of the dataset that later appends do not change. */
export async function committedUploads(ctx: GatewayContext, datasetId: string): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('dataset_uploads')
    .select('id')
    .where('dataset_id', '=', datasetId)
    .where('status', '=', 'committed')
    .orderBy('committed_at')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.id);
}

/** Chunks of the committed uploads, or of the given ones only (a pinned state). */
async function committedChunks(ctx: GatewayContext, dataset: DatasetRow, uploads?: readonly string[]): Promise<{ upload_id: string; seq: number; records: number }[]> {
  if (uploads?.length === 0) return [];
  return ctx.db
    .selectFrom('dataset_chunks')
    .innerJoin('dataset_uploads', 'dataset_uploads.id', 'dataset_chunks.upload_id')
    .select(['dataset_chunks.upload_id', 'dataset_chunks.seq', 'dataset_chunks.records'])
    .where('dataset_uploads.dataset_id', '=', dataset.id)
    .where('dataset_uploads.status', '=', 'committed')
    .$if(uploads !== undefined, (q) => q.where('dataset_uploads.id', 'in', uploads!))
    .orderBy('dataset_uploads.committed_at')
    .orderBy('dataset_uploads.id')
    .orderBy('dataset_chunks.seq')
    .execute();
}

async function openRecords(ctx: GatewayContext, dataset: DatasetRow, dek: Uint8Array, uploadId: string, seq: number): Promise<DataRecord[]> {
  const chunk = await ctx.db.selectFrom('dataset_chunks').select('payload').where('upload_id', '=', uploadId).where('seq', '=', seq).executeTakeFirstOrThrow();
  return openChunk(dek, dataset.id, uploadId, seq, chunk.payload);
}
