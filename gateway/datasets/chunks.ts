import { open, seal } from '../../crypto/index.ts';
import { SluiceError } from '../../common/index.ts';
import { parseOwnNdjson } from '../formats/index.ts';
import type { DataRecord, Value } from './records.ts';
import type { DatasetField } from './schemas.ts';

export const DATASET_AEAD = 'SM4-GCM' as const;

/** Binds a chunk to its place so chunks cannot be swapped between datasets or uploads. */
export function chunkAad(datasetId: string, uploadId: string, seq: number): Uint8Array {
  return new TextEncoder().encode(`sluice.chunk.v1/${datasetId}/${uploadId}/${seq}`);
}

export function sealChunk(dek: Uint8Array, datasetId: string, uploadId: string, seq: number, records: DataRecord[]): Uint8Array {
  const body = records.map((r) => JSON.stringify(r)).join('\n');
  return seal(DATASET_AEAD, dek, new TextEncoder().encode(body), chunkAad(datasetId, uploadId, seq));
}

export function openChunk(dek: Uint8Array, datasetId: string, uploadId: string, seq: number, payload: Uint8Array): DataRecord[] {
  let plain: Uint8Array;
  try {
    plain = open(DATASET_AEAD, dek, payload, chunkAad(datasetId, uploadId, seq));
  } catch (error) {
    throw new SluiceError('INTERNAL', 'stored dataset chunk failed authentication', undefined, { cause: error });
  }
  return parseOwnNdjson(new TextDecoder().decode(plain)) as DataRecord[];
}

/**
 * A chunk's rows by column, for computations that read one column of millions of rows: each
 * numeric field as float64 (NaN where the row has no value) and the subject identifiers, which
 * decrypt and decode at a fraction of the cost of parsing every record. Sealed under the
 * dataset key like the records, bound to the same place.
 */
export interface ChunkColumns {
  rows: number;
  numbers: Map<string, Float64Array>;
  /** Subject identifier per row, when the dataset has a subject field. */
  subjects?: Value[];
}

function columnsAad(datasetId: string, uploadId: string, seq: number): Uint8Array {
  return new TextEncoder().encode(`sluice.chunk-columns.v1/${datasetId}/${uploadId}/${seq}`);
}

/** u32 header length ‖ header JSON ‖ one float64 (little-endian) per row and numeric field ‖ subjects as a JSON array. */
export function sealColumns(dek: Uint8Array, datasetId: string, uploadId: string, seq: number, records: DataRecord[], fields: readonly DatasetField[]): Uint8Array {
  const numeric = fields.filter((f) => f.type === 'number').map((f) => f.name);
  const subject = fields.find((f) => f.subject)?.name ?? null;
  const header = new TextEncoder().encode(JSON.stringify({ rows: records.length, numbers: numeric, subject }));
  const subjects = subject === null ? new Uint8Array(0) : new TextEncoder().encode(JSON.stringify(records.map((r) => r[subject] ?? null)));
  const numbersAt = 4 + header.length;
  const plain = new Uint8Array(numbersAt + 8 * records.length * numeric.length + subjects.length);
  const view = new DataView(plain.buffer);
  view.setUint32(0, header.length);
  plain.set(header, 4);
  numeric.forEach((name, column) => {
    const base = numbersAt + 8 * records.length * column;
    records.forEach((record, row) => {
      const value = record[name];
      view.setFloat64(base + 8 * row, typeof value === 'number' ? value : NaN, true);
    });
  });
  plain.set(subjects, numbersAt + 8 * records.length * numeric.length);
  return seal(DATASET_AEAD, dek, plain, columnsAad(datasetId, uploadId, seq));
}

export function openColumns(dek: Uint8Array, datasetId: string, uploadId: string, seq: number, sealed: Uint8Array): ChunkColumns {
  let plain: Uint8Array;
  try {
    plain = open(DATASET_AEAD, dek, sealed, columnsAad(datasetId, uploadId, seq));
  } catch (error) {
    throw new SluiceError('INTERNAL', 'stored dataset columns failed authentication', undefined, { cause: error });
  }
  const view = new DataView(plain.buffer, plain.byteOffset, plain.length);
  const headerLength = view.getUint32(0);
  const header = JSON.parse(new TextDecoder().decode(plain.subarray(4, 4 + headerLength))) as { rows: number; numbers: string[]; subject: string | null };
  const numbersAt = 4 + headerLength;
  const numbers = new Map<string, Float64Array>();
  header.numbers.forEach((name, column) => {
    const values = new Float64Array(header.rows);
    const base = numbersAt + 8 * header.rows * column;
    for (let row = 0; row < header.rows; row++) values[row] = view.getFloat64(base + 8 * row, true);
    numbers.set(name, values);
  });
  const out: ChunkColumns = { rows: header.rows, numbers };
  if (header.subject !== null) {
    out.subjects = JSON.parse(new TextDecoder().decode(plain.subarray(numbersAt + 8 * header.rows * header.numbers.length))) as Value[];
  }
  return out;
}
