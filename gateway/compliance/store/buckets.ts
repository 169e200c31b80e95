import { sql, type Kysely } from 'kysely';
import type { SubjectCategory, SubjectStoreTables } from './tables.ts';

/** Row access for subject buckets and their chunks; callers pass the executor (a transaction or the pool). */

export interface Bucket {
  id: number;
  subjects: number;
  window_subjects: number | null;
  chunks: number;
  head: Uint8Array | null;
}

export interface Chunk {
  seq: number;
  chunk_id: Uint8Array;
  hashes: Uint8Array;
}

type Db = Kysely<any>;

function tables(db: Db): Kysely<SubjectStoreTables> {
  return db as Kysely<SubjectStoreTables>;
}

export async function readBucket(db: Db, exporterId: string, year: number, category: SubjectCategory): Promise<Bucket | undefined> {
  return tables(db)
    .selectFrom('compliance_buckets')
    .select(['id', 'subjects', 'window_subjects', 'chunks', 'head'])
    .where('exporter_id', '=', exporterId)
    .where('year', '=', year)
    .where('category', '=', category)
    .executeTakeFirst();
}

export async function createBucket(db: Db, exporterId: string, year: number, category: SubjectCategory, window: number | null): Promise<Bucket> {
  await tables(db)
    .insertInto('compliance_buckets')
    .values({ exporter_id: exporterId, year, category, subjects: 0, window_subjects: window, chunks: 0, head: null })
    .onConflict((oc) => oc.columns(['exporter_id', 'year', 'category']).doNothing())
    .execute();
  const bucket = await readBucket(db, exporterId, year, category);
  if (!bucket) throw new Error('compliance bucket missing after insert');
  return bucket;
}

export async function chunkIdAt(db: Db, bucketId: number, seq: number): Promise<Uint8Array | undefined> {
  const row = await tables(db).selectFrom('compliance_subject_chunks').select('chunk_id').where('bucket_id', '=', bucketId).where('seq', '=', seq).executeTakeFirst();
  return row?.chunk_id;
}

export async function chunksBetween(db: Db, bucketId: number, afterSeq: number, untilSeq: number): Promise<Chunk[]> {
  return tables(db)
    .selectFrom('compliance_subject_chunks')
    .select(['seq', 'chunk_id', 'hashes'])
    .where('bucket_id', '=', bucketId)
    .where('seq', '>', afterSeq)
    .where('seq', '<=', untilSeq)
    .orderBy('seq')
    .execute();
}

/** Appends a chunk and moves the bucket's counters by what it adds. */
export async function appendChunk(db: Db, bucket: Bucket, chunk: Chunk & { subjects: number }, windowAdded: number): Promise<void> {
  await tables(db).insertInto('compliance_subject_chunks').values({ bucket_id: bucket.id, ...chunk }).execute();
  await tables(db)
    .updateTable('compliance_buckets')
    .set({
      subjects: sql`subjects + ${chunk.subjects}`,
      window_subjects: bucket.window_subjects === null ? null : sql`window_subjects + ${windowAdded}`,
      chunks: chunk.seq,
      head: chunk.chunk_id,
    })
    .where('id', '=', bucket.id)
    .execute();
}

export async function growWindow(db: Db, bucketId: number, n: number): Promise<void> {
  await tables(db)
    .updateTable('compliance_buckets')
    .set({ window_subjects: sql`window_subjects + ${n}` })
    .where('id', '=', bucketId)
    .execute();
}
