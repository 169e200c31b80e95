import { HE_SCHEMES, OPERATIONS, type DpRelease, type HeScheme, type NoiseReport, type OperationKind, type ReleasedResult, type SuppressedCell } from '../../compute/he/index.ts';
import { fromBase64, integer, KmsTransport, string, unexpected, type Json, type KmsClientOptions } from '../client.ts';

export interface KeysetRequest {
  jobId: string;
  scheme: HeScheme;
  /** Picks the parameter set: `weightedSum` needs one that allows a plaintext multiplication. */
  operation?: OperationKind;
  /** The KMS refuses to decrypt results over fewer rows. */
  minGroupSize?: number;
  /** Noise every figure decrypted under the key set (the owners' signed terms). */
  dp?: DpRelease;
}

export interface KeysetPublic {
  keysetId: string;
  jobId: string;
  scheme: HeScheme;
  keyId: string;
  /** The public-key artifact contributors encrypt under. */
  publicKey: Uint8Array;
}

/**
 * The gateway's side of the KMS's homomorphic key sets (`kms/he`), with the service token:
 * create a job's key set, read its public key, release the job's result once its owners
 * approved, decrypt that result, destroy the key set when the job ends. It fails closed like
 * `KmsClient`: network errors, timeouts, 5xx and unreadable answers are `KMS_UNAVAILABLE`; the
 * KMS's 4xx codes (`RESULT_NOT_RELEASED`, `GROUP_TOO_SMALL`, `DECRYPT_FAILED`, …) pass through.
 */
export class HeKeysetClient {
  readonly #http: KmsTransport;

  constructor(options: KmsClientOptions) {
    this.#http = new KmsTransport(options);
  }

  /** Every key set not destroyed yet, page by page: what the gateway's sweep reconciles with its jobs. */
  async live(): Promise<{ keysetId: string; jobId: string; createdAt: string }[]> {
    const out: { keysetId: string; jobId: string; createdAt: string }[] = [];
    let after: string | null = null;
    do {
      const body: Json = await this.#http.call('GET', `/v1/he/keysets?limit=500${after ? `&after=${encodeURIComponent(after)}` : ''}`);
      if (!Array.isArray(body.keysets)) throw unexpected();
      for (const entry of body.keysets as Json[]) out.push({ keysetId: string(entry.keysetId), jobId: string(entry.jobId), createdAt: string(entry.createdAt) });
      after = body.next === null ? null : string(body.next);
    } while (after !== null);
    return out;
  }

  async createKeyset(request: KeysetRequest): Promise<KeysetPublic> {
    return keyset(await this.#http.call('POST', '/v1/he/keysets', { ...request }));
  }

  async publicKey(keysetId: string): Promise<KeysetPublic> {
    return keyset(await this.#http.call('GET', `${keysetPath(keysetId)}/public`));
  }

  /** Idempotent: a released key set stays released with its first approvals. */
  async release(keysetId: string, approvals: Json[]): Promise<void> {
    const body = await this.#http.call('POST', `${keysetPath(keysetId)}/release`, { approvals });
    if (body.released !== true) throw unexpected();
  }

  /** Deletes the key set's secret key for good; idempotent. */
  async destroy(keysetId: string): Promise<void> {
    const body = await this.#http.call('POST', `${keysetPath(keysetId)}/destroy`);
    if (body.destroyed !== true) throw unexpected();
  }

  /**
   * The folded figure of the job's own evaluated result (nothing else decrypts), with the
   * histogram bins in `suppress` withheld and the key set's noise added by the KMS.
   */
  async decrypt(keysetId: string, ciphertext: Uint8Array, suppress: readonly SuppressedCell[] = []): Promise<ReleasedResult> {
    const request: Json = { ciphertext: Buffer.from(ciphertext).toString('base64') };
    if (suppress.length > 0) request.suppress = suppress.map((s) => ({ cell: s.cell, reason: s.reason }));
    const body = await this.#http.call('POST', `${keysetPath(keysetId)}/decrypt`, request);
    const operation = string(body.operation);
    if (!OPERATIONS.includes(operation as OperationKind)) throw unexpected();
    const result: ReleasedResult = { operation: operation as OperationKind, value: figure(body.value), n: integer(body.n) };
    if (body.suppressed !== undefined) result.suppressed = suppressed(body.suppressed);
    if (body.noise !== undefined) result.noise = noise(body.noise);
    return result;
  }
}

function keysetPath(keysetId: string): string {
  return `/v1/he/keysets/${encodeURIComponent(keysetId)}`;
}

function keyset(body: Json): KeysetPublic {
  const scheme = string(body.scheme);
  if (!HE_SCHEMES.includes(scheme as HeScheme)) throw unexpected();
  return { keysetId: string(body.keysetId), jobId: string(body.jobId), scheme: scheme as HeScheme, keyId: string(body.keyId), publicKey: fromBase64(body.publicKey) };
}

const finite = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function figure(value: unknown): ReleasedResult['value'] {
  if (value === null || finite(value)) return value;
  if (Array.isArray(value) && value.every((v) => v === null || finite(v))) return value as (number | null)[];
  throw unexpected();
}

function suppressed(value: unknown): SuppressedCell[] {
  if (!Array.isArray(value)) throw unexpected();
  return value.map((item: Json) => {
    const reason = string(item.reason);
    if (reason !== 'primary' && reason !== 'secondary') throw unexpected();
    return { cell: integer(item.cell), reason };
  });
}

function noise(value: unknown): NoiseReport {
  const body = value as Json;
  if (body === null || typeof body !== 'object' || body.mechanism !== 'discrete_laplace' || !finite(body.epsilon) || !finite(body.scale)) throw unexpected();
  const figures = (body.figures ?? {}) as Record<string, unknown>;
  if (typeof figures !== 'object' || !Object.values(figures).every(finite)) throw unexpected();
  return { mechanism: 'discrete_laplace', epsilon: body.epsilon, scale: body.scale, figures: figures as NoiseReport['figures'] };
}
