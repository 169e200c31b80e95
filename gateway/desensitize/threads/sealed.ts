import { SluiceError } from '../../../common/errors.ts';
// The AEAD module alone (crypto's light entry): thread bundles must not carry SM2 or sm-crypto.
import { open, type AeadAlg } from '../../../crypto/aead.ts';
import { parseOwnNdjson, type DataRecord } from '../../formats/index.ts';

/**
 * Records still sealed as they are stored (one AEAD message of NDJSON lines, e.g. a dataset
 * chunk), so that opening and parsing them happens on a worker thread instead of the thread
 * that reads the database. `take` keeps the first records only.
 */
export interface SealedRecords {
  sealed: Uint8Array;
  aad: Uint8Array;
  take: number;
}

/** The key that opens sealed records; held by the worker threads for one run. */
export interface SealedInput {
  alg: AeadAlg;
  key: Uint8Array;
}

export type RecordUnit = DataRecord[] | SealedRecords;

export const isSealed = (unit: RecordUnit): unit is SealedRecords => !Array.isArray(unit);

export function openSealedRecords(input: SealedInput | undefined, unit: SealedRecords): DataRecord[] {
  if (!input) throw new SluiceError('INTERNAL', 'sealed records without a key to open them');
  let plain: Uint8Array;
  try {
    plain = open(input.alg, input.key, unit.sealed, unit.aad);
  } catch (error) {
    throw new SluiceError('INTERNAL', 'stored records failed authentication', undefined, { cause: error });
  }
  const records = parseOwnNdjson(new TextDecoder().decode(plain));
  return records.length > unit.take ? records.slice(0, unit.take) : records;
}

/** Records of a unit, opened here if sealed. */
export function recordsOf(input: SealedInput | undefined, unit: RecordUnit): DataRecord[] {
  return isSealed(unit) ? openSealedRecords(input, unit) : unit;
}
