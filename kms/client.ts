import { ERROR_STATUS, fail, ServiceClient, SluiceError, type ErrorCode, type ErrorDetails, type ServiceResponse, type TlsClientSettings } from '../common/index.ts';
import type {
  AuditPage,
  CreatedKey,
  DataKey,
  EncryptionContext,
  KeyAlg,
  KeyMetadata,
  KeyPolicy,
  SealStatus,
} from './types.ts';

export interface KmsClientOptions {
  /** e.g. `http://127.0.0.1:8081`, or `https://…` with `tls` */
  url: string;
  token: string;
  /** The deadline of each call, from connecting to the last byte of the answer; default 5000 (`SLUICE_KMS_TIMEOUT_MS`). */
  timeoutMs?: number;
  /** The CA that issued the KMS's certificate and, for a mutual-TLS KMS, this client's certificate. */
  tls?: TlsClientSettings;
}

export type Json = Record<string, unknown>;

/**
 * Typed client of the KMS HTTP API. It fails closed: a network error, timeout, 5xx (including
 * a sealed KMS) or an unreadable answer all throw `KMS_UNAVAILABLE`; 4xx SURFACE codes
 * (`DECRYPT_FAILED`, `KEY_DESTROYED`, `KEY_DISABLED`, …) pass through with the KMS's message,
 * which never carries a value. Plaintexts and the token never appear in what it throws.
 */
export class KmsClient {
  readonly #http: KmsTransport;

  constructor(options: KmsClientOptions) {
    this.#http = new KmsTransport(options);
  }

  async createKey(alg: KeyAlg = 'SM4', options: { purpose?: string; policy?: KeyPolicy } = {}): Promise<CreatedKey> {
    const body = await this.#call('POST', '/v1/keys', { alg, ...options });
    return { keyId: string(body.keyId), version: integer(body.version) };
  }

  async listKeys(options: { after?: string; limit?: number } = {}): Promise<{ keys: KeyMetadata[]; next: string | null }> {
    const query = new URLSearchParams();
    if (options.after !== undefined) query.set('after', options.after);
    if (options.limit !== undefined) query.set('limit', String(options.limit));
    const body = await this.#call('GET', `/v1/keys?${query}`);
    return { keys: array(body.keys) as KeyMetadata[], next: body.next === null ? null : string(body.next) };
  }

  async getKey(keyId: string): Promise<KeyMetadata> {
    return (await this.#call('GET', keyPath(keyId))) as unknown as KeyMetadata;
  }

  async dataKey(keyId: string, context: EncryptionContext, options: { bytes?: number } = {}): Promise<DataKey> {
    const body = await this.#call('POST', keyPath(keyId, 'datakey'), { context, ...options });
    return { plaintext: fromBase64(body.plaintext), ciphertext: string(body.ciphertext), version: integer(body.version) };
  }

  async encrypt(keyId: string, plaintext: Uint8Array, context: EncryptionContext): Promise<string> {
    const body = await this.#call('POST', keyPath(keyId, 'encrypt'), { plaintext: Buffer.from(plaintext).toString('base64'), context });
    return string(body.ciphertext);
  }

  async decrypt(keyId: string, ciphertext: string, context: EncryptionContext): Promise<Uint8Array> {
    const body = await this.#call('POST', keyPath(keyId, 'decrypt'), { ciphertext, context });
    return fromBase64(body.plaintext);
  }

  /** The same data under the newest key version; the KMS never returns the plaintext. */
  async rewrap(keyId: string, ciphertext: string, context: EncryptionContext): Promise<string> {
    const body = await this.#call('POST', keyPath(keyId, 'rewrap'), { ciphertext, context });
    return string(body.ciphertext);
  }

  async rotate(keyId: string): Promise<number> {
    return integer((await this.#call('POST', keyPath(keyId, 'rotate'))).version);
  }

  async destroy(keyId: string): Promise<void> {
    await this.#call('POST', keyPath(keyId, 'destroy'));
  }

  async disable(keyId: string): Promise<KeyMetadata> {
    return (await this.#call('POST', keyPath(keyId, 'disable'))) as unknown as KeyMetadata;
  }

  async enable(keyId: string): Promise<KeyMetadata> {
    return (await this.#call('POST', keyPath(keyId, 'enable'))) as unknown as KeyMetadata;
  }

  async setMinDecryptVersion(keyId: string, minDecryptVersion: number): Promise<KeyMetadata> {
    return (await this.#call('POST', keyPath(keyId, 'config'), { minDecryptVersion })) as unknown as KeyMetadata;
  }

  async audit(after = 0, limit = 100): Promise<AuditPage> {
    const body = await this.#call('GET', `/v1/audit?after=${after}&limit=${limit}`);
    return { events: array(body.events) as AuditPage['events'], next: integer(body.next) };
  }

  async status(): Promise<SealStatus> {
    return (await this.#call('GET', '/v1/sys/status')) as unknown as SealStatus;
  }

  /** Shamir mode, once: returns the unseal shares to hand to their custodians. */
  async initSeal(shares: number, threshold: number): Promise<string[]> {
    return array((await this.#call('POST', '/v1/sys/init', { shares, threshold })).shares).map(string);
  }

  async unseal(share: string): Promise<SealStatus> {
    return (await this.#call('POST', '/v1/sys/unseal', { share })) as unknown as SealStatus;
  }

  async seal(): Promise<SealStatus> {
    return (await this.#call('POST', '/v1/sys/seal')) as unknown as SealStatus;
  }

  /** Resolves when the process answers `/healthz`; throws KMS_UNAVAILABLE otherwise. */
  async health(): Promise<void> {
    const body = await this.#call('GET', '/healthz');
    if (body.status !== 'ok') throw unexpected();
  }

  #call(method: 'GET' | 'POST', path: string, payload?: Json): Promise<Json> {
    return this.#http.call(method, path, payload);
  }
}

/**
 * One authenticated call to the KMS, failing closed as the clients promise; shared by
 * `KmsClient` and the homomorphic key-set client (`he/client.ts`).
 */
export class KmsTransport {
  readonly #base: string;
  readonly #authorization: string;
  readonly #client: ServiceClient;

  constructor(options: KmsClientOptions) {
    this.#base = options.url.replace(/\/+$/, '');
    this.#authorization = `Bearer ${options.token}`;
    this.#client = new ServiceClient(this.#base, options.timeoutMs ?? 5000, options.tls);
  }

  async call(method: 'GET' | 'POST', path: string, payload?: Json): Promise<Json> {
    let response: ServiceResponse;
    try {
      response = await this.#client.request(this.#base + path, {
        method,
        headers: payload === undefined ? { authorization: this.#authorization } : { authorization: this.#authorization, 'content-type': 'application/json' },
        ...(payload === undefined ? {} : { body: JSON.stringify(payload) }),
      });
    } catch (error) {
      throw fail.kmsUnavailable(error);
    }
    const { status, body } = response;
    if (status >= 500) {
      const kmsCode = errorOf(body)?.code;
      throw new SluiceError('KMS_UNAVAILABLE', 'key management service unavailable; nothing was released', { status, ...(kmsCode ? { kmsCode } : {}) });
    }
    if (status >= 400) {
      const error = errorOf(body);
      if (!error) throw unexpected();
      throw new SluiceError(error.code, error.message, error.details);
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) throw unexpected();
    return body as Json;
  }
}

function keyPath(keyId: string, action?: string): string {
  return `/v1/keys/${encodeURIComponent(keyId)}${action ? `/${action}` : ''}`;
}

function errorOf(body: unknown): { code: ErrorCode; message: string; details?: ErrorDetails } | undefined {
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || !(error.code in ERROR_STATUS) || typeof error.message !== 'string') return undefined;
  const details = typeof error.details === 'object' && error.details !== null ? (error.details as ErrorDetails) : undefined;
  return { code: error.code as ErrorCode, message: error.message, ...(details ? { details } : {}) };
}

export function unexpected(): SluiceError {
  return new SluiceError('KMS_UNAVAILABLE', 'key management service gave an unexpected answer; nothing was released');
}

export function string(value: unknown): string {
  if (typeof value !== 'string') throw unexpected();
  return value;
}

export function integer(value: unknown): number {
  if (!Number.isSafeInteger(value)) throw unexpected();
  return value as number;
}

function array(value: unknown): unknown[] {
  if (!Array.isArray(value)) throw unexpected();
  return value;
}

export function fromBase64(value: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(string(value), 'base64'));
}
