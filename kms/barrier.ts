import { SluiceError } from '../common/index.ts';
import { AeadError, open, seal } from '../crypto/index.ts';

/** The master key and everything wrapped under it use SM4-GCM: GB/T algorithms at the root. */
export const BARRIER_ALG = 'SM4-GCM';
export const MASTER_KEY_BYTES = 16;

/** Unwrapped material kept while unsealed; enough for every live key version of a deployment. */
const CACHE_LIMIT = 10_000;

/**
 * Everything persisted as key material passes through here (Vault's "barrier"): it is sealed
 * under the master key, which exists only in this process's memory and only while unsealed.
 * Sealing zeroes the master key and every unwrapped material cached under it, so callers run
 * `seal` and `forget` under the store mutex, never while an operation holds material.
 */
export class Barrier {
  #master: Uint8Array | undefined;
  readonly #cache = new Map<string, Uint8Array>();

  get sealed(): boolean {
    return this.#master === undefined;
  }

  /** Takes ownership of the buffer: it is zeroed on seal. */
  unseal(master: Uint8Array): void {
    this.seal();
    this.#master = master;
  }

  seal(): void {
    this.#master?.fill(0);
    this.#master = undefined;
    for (const material of this.#cache.values()) material.fill(0);
    this.#cache.clear();
  }

  /** Throws KMS_SEALED when there is no master key to work with. */
  requireUnsealed(): void {
    if (this.#master === undefined) throw new SluiceError('KMS_SEALED', 'the KMS is sealed; unseal it first');
  }

  wrap(data: Uint8Array, aad: Uint8Array): Uint8Array {
    return seal(BARRIER_ALG, this.#masterKey(), data, aad);
  }

  /** Opens material wrapped by `wrap`; a failure means the store was altered or belongs to another master key. */
  unwrap(sealed: Uint8Array, aad: Uint8Array): Uint8Array {
    try {
      return open(BARRIER_ALG, this.#masterKey(), sealed, aad);
    } catch (error) {
      if (error instanceof AeadError) throw new SluiceError('INTERNAL', 'stored key material failed authentication', undefined, { cause: error });
      throw error;
    }
  }

  /** `unwrap` with the result remembered under `id` until sealed or forgotten. */
  unwrapCached(id: string, sealed: () => Promise<Uint8Array | undefined>, aad: Uint8Array): Promise<Uint8Array | undefined> {
    const hit = this.#cache.get(id);
    if (hit) return Promise.resolve(hit);
    return sealed().then((stored) => {
      if (stored === undefined) return undefined;
      const material = this.unwrap(stored, aad);
      if (this.#cache.size >= CACHE_LIMIT) this.#evictOldest();
      this.#cache.set(id, material);
      return material;
    });
  }

  /** Drops (and zeroes) cached material whose id starts with `prefix`. */
  forget(prefix: string): void {
    for (const [id, material] of this.#cache) {
      if (id.startsWith(prefix)) {
        material.fill(0);
        this.#cache.delete(id);
      }
    }
  }

  /** Not zeroed: an operation may still hold it; it is simply no longer kept. */
  #evictOldest(): void {
    const oldest = this.#cache.keys().next();
    if (!oldest.done) this.#cache.delete(oldest.value);
  }

  #masterKey(): Uint8Array {
    this.requireUnsealed();
    return this.#master!;
  }
}
