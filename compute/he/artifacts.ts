import { SluiceError } from '../../common/errors.ts';
import { HE_SCHEMES, isParameterSet, type HeScheme } from './params.ts';
import { OPERATIONS, type ColumnSpec, type OperationKind } from './operations.ts';
import { pack, unpack } from './wire.ts';

interface Common {
  scheme: HeScheme;
  /** Id of the parameter set (`PARAMETER_SETS`) of the job's key set. */
  params: string;
  /** Fingerprint of the job's public key: artifacts of different key sets never mix. */
  keyId: string;
}

export interface PublicKeyArtifact extends Common {
  type: 'public-key';
  key: Uint8Array;
}

export interface ColumnArtifact extends Common {
  type: 'column';
  spec: ColumnSpec;
  n: number;
  components: string[];
  /** ciphertexts[c][k]: chunk k of component c. */
  ciphertexts: Uint8Array[][];
  /** Push-down under CKKS: log2 of the largest partial, rounded up (the evaluator's capacity check). */
  bits?: number;
}

export interface ResultArtifact extends Common {
  type: 'result';
  spec: ColumnSpec;
  n: number;
  /** Per component, the summed ciphertext; absent when no row contributed. */
  components: string[];
  ciphertexts: (Uint8Array | null)[];
}

const invalid = (what: string) => new SluiceError('VALIDATION_FAILED', `not a valid homomorphic ${what}`);

function common(header: Record<string, unknown>, type: string): Common {
  const { scheme, params, keyId } = header;
  if (header.type !== type || !HE_SCHEMES.includes(scheme as HeScheme) || typeof keyId !== 'string') throw invalid(type);
  if (!isParameterSet(params, scheme as HeScheme)) {
    throw new SluiceError('VALIDATION_FAILED', 'artifact was made under unknown homomorphic parameters');
  }
  return { scheme: scheme as HeScheme, params, keyId };
}

function spec(value: unknown, type: string): ColumnSpec {
  const s = value as ColumnSpec | undefined;
  if (typeof s !== 'object' || s === null || !OPERATIONS.includes(s.operation as OperationKind)) throw invalid(type);
  return s;
}

function count(value: unknown, type: string): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) throw invalid(type);
  return value;
}

function names(value: unknown, type: string): string[] {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw invalid(type);
  return value as string[];
}

export function encodePublicKey(a: Omit<PublicKeyArtifact, 'type'>): Uint8Array {
  return pack({ type: 'public-key', scheme: a.scheme, params: a.params, keyId: a.keyId }, [a.key]);
}

export function decodePublicKey(bytes: Uint8Array): PublicKeyArtifact {
  const { header, blobs } = unpack(bytes);
  const base = common(header, 'public-key');
  if (blobs.length !== 1) throw invalid('public-key');
  return { type: 'public-key', ...base, key: blobs[0]! };
}

export function encodeColumn(a: Omit<ColumnArtifact, 'type'>): Uint8Array {
  const chunks = a.ciphertexts[0]?.length ?? 0;
  const header = { type: 'column', scheme: a.scheme, params: a.params, keyId: a.keyId, spec: a.spec, n: a.n, components: a.components, chunks, ...(a.bits === undefined ? {} : { bits: a.bits }) };
  return pack(header, a.ciphertexts.flat());
}

export function decodeColumn(bytes: Uint8Array): ColumnArtifact {
  const { header, blobs } = unpack(bytes);
  const base = common(header, 'column');
  const components = names(header.components, 'column');
  const chunks = count(header.chunks, 'column');
  if (blobs.length !== components.length * chunks) throw invalid('column');
  const ciphertexts = components.map((_, c) => blobs.slice(c * chunks, (c + 1) * chunks));
  const column: ColumnArtifact = { type: 'column', ...base, spec: spec(header.spec, 'column'), n: count(header.n, 'column'), components, ciphertexts };
  if (header.bits !== undefined) {
    if (typeof header.bits !== 'number' || !Number.isInteger(header.bits) || header.bits < 0 || header.bits > 1024) throw invalid('column');
    column.bits = header.bits;
  }
  return column;
}

export function encodeResult(a: Omit<ResultArtifact, 'type'>): Uint8Array {
  const present = a.ciphertexts.map((c) => c !== null);
  const header = { type: 'result', scheme: a.scheme, params: a.params, keyId: a.keyId, spec: a.spec, n: a.n, components: a.components, present };
  return pack(header, a.ciphertexts.filter((c): c is Uint8Array => c !== null));
}

export function decodeResult(bytes: Uint8Array): ResultArtifact {
  const { header, blobs } = unpack(bytes);
  const base = common(header, 'result');
  const components = names(header.components, 'result');
  const present = header.present;
  if (!Array.isArray(present) || present.length !== components.length) throw invalid('result');
  if (blobs.length !== present.filter((p) => p === true).length) throw invalid('result');
  let next = 0;
  const ciphertexts = present.map((p) => (p === true ? blobs[next++]! : null));
  return { type: 'result', ...base, spec: spec(header.spec, 'result'), n: count(header.n, 'result'), components, ciphertexts };
}
