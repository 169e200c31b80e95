import { open, seal } from '../../crypto/index.ts';
import { SluiceError } from '../../common/index.ts';
import { parseOwnNdjson } from '../formats/index.ts';
import type { DataRecord } from './records.ts';
import type { DatasetField } from './schemas.ts';
import { columnsAad, DATASET_AEAD } from './columns.ts';

export { DATASET_AEAD };

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
