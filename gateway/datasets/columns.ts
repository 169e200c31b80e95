import { SluiceError } from '../../common/errors.ts';
// The AEAD module alone (crypto's light entry): the column threads' bundle must not carry SM2 or sm-crypto.
import { open } from '../../crypto/aead.ts';
import type { Value } from './records.ts';

/** The AEAD of stored dataset chunks. */
export const DATASET_AEAD = 'SM4-GCM' as const;

/**
 * A chunk's rows by column, for computations that read one column of millions of rows: each
 * numeric field as float64 (NaN where the row has no value) and the subject identifiers, which
 * decrypt and decode at a fraction of the cost of parsing every record. Sealed under the
 * dataset key like the records, bound to the same place.
 */
export interface ChunkColumns {
  rows: number;
  numbers: Map<string, Float64Array<ArrayBuffer>>;
  /** Subject identifier per row, when the dataset has a subject field. */
  subjects?: Value[];
}

export function columnsAad(datasetId: string, uploadId: string, seq: number): Uint8Array {
  return new TextEncoder().encode(`sluice.chunk-columns.v1/${datasetId}/${uploadId}/${seq}`);
}

/** Float64Array views of stored bytes need the host's byte order to be the stored one. */
const LITTLE_ENDIAN = new Uint8Array(new Float64Array([1]).buffer)[7] === 0x3f;

/** Opens a by-column copy (`sealColumns`); with `only`, decodes that numeric field alone. */
export function openColumns(dek: Uint8Array, datasetId: string, uploadId: string, seq: number, sealed: Uint8Array, only?: string): ChunkColumns {
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
  const numbers = new Map<string, Float64Array<ArrayBuffer>>();
  header.numbers.forEach((name, column) => {
    if (only !== undefined && name !== only) return;
    const base = numbersAt + 8 * header.rows * column;
    numbers.set(name, float64s(plain, view, base, header.rows));
  });
  const out: ChunkColumns = { rows: header.rows, numbers };
  if (header.subject !== null) {
    out.subjects = JSON.parse(new TextDecoder().decode(plain.subarray(numbersAt + 8 * header.rows * header.numbers.length))) as Value[];
  }
  return out;
}

/** `rows` little-endian float64s at `base`: one copy into an aligned buffer where the host is little-endian. */
function float64s(plain: Uint8Array, view: DataView, base: number, rows: number): Float64Array<ArrayBuffer> {
  if (LITTLE_ENDIAN) return new Float64Array(plain.slice(base, base + 8 * rows).buffer);
  const values = new Float64Array(rows);
  for (let row = 0; row < rows; row++) values[row] = view.getFloat64(base + 8 * row, true);
  return values;
}

/** One stored by-column copy to open, with the data key that opens it (a copy travels with the task). */
export interface OpenColumnTask {
  key: Uint8Array;
  datasetId: string;
  uploadId: string;
  seq: number;
  sealed: Uint8Array;
  field: string;
}

/** One numeric field of a chunk, and the chunk's subjects when the dataset has a subject field. */
export interface OpenedColumn {
  values: Float64Array<ArrayBuffer>;
  subjects?: Value[];
}

/** What a column thread does with a task: the field's values, or null when the copy does not hold it. */
export function openColumnTask({ key, datasetId, uploadId, seq, sealed, field }: OpenColumnTask): OpenedColumn | null {
  try {
    const columns = openColumns(key, datasetId, uploadId, seq, sealed, field);
    const values = columns.numbers.get(field);
    if (!values) return null;
    return columns.subjects ? { values, subjects: columns.subjects } : { values };
  } finally {
    // The thread's copy of the data key lives for one task, as the caller's lives for one read.
    key.fill(0);
  }
}
