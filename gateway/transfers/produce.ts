import os from 'node:os';
import { SluiceError } from '../../common/index.ts';
import { toBytes } from '../../crypto/index.ts';
import { createThreadedDesensitizer, deriveTransformKeys, encryptAlgorithms, type DesensitizerSpec, type EncryptAlg } from '../desensitize/index.ts';
import type { GatewayContext } from '../context.ts';
import { transformSecretContext } from '../contracts/service.ts';
import { readSealedChunk, unwrapDatasetKey } from '../datasets/service.ts';
import { PackageWriter } from '../package/stream.ts';
import { ownerSecret } from '../parties/service.ts';
import { deletePackageParts, newPackageKey, PackagePartWriter } from './package-store.ts';
import type { PreparedTransfer } from './prepare.ts';

/** What a produced (stored, not yet released) package is. */
export interface ProducedPackage {
  attempt: number;
  size: number;
  digest: string;
  packageKeyId: string;
  packageKey: string;
  /** Field-encryption data keys of this transfer, wrapped by the contract key (JSON by algorithm), for the owner. */
  wrappedFieldKeys: string | null;
}

export interface ProduceOptions {
  /** Called with the records done after each chunk. */
  onProgress?: (done: number) => void;
  /** Stops between chunks (a lost lease, a stopping gateway). */
  signal?: AbortSignal;
}

/**
 * Canary rows per real row in fingerprinted packages: 1 % lets a leak of a few thousand rows
 * with a single near-unique column left name its recipient (each mark carries 8 bits).
 */
const FINGERPRINT_RATE = 0.01;
const FIELD_KEY_BYTES: Record<EncryptAlg, number> = { SM4: 16, 'AES-256-GCM': 32 };
/** Below this many records, starting threads costs more than it saves (as in `sluice desensitize`). */
const THREADS_FROM_RECORDS = 100_000;

/**
 * Reads the planned records chunk by chunk, transforms them with the `sluice desensitize`
 * engine (on worker threads for large transfers), seals the NDJSON to the recipient as a
 * streamed package and stores it in parts. Memory holds a few chunks whatever the size. Every
 * key comes from the KMS for this transfer only; if it is unreachable nothing is produced. On
 * any failure the parts stored so far are deleted and the package key destroyed.
 */
export async function producePackage(ctx: GatewayContext, t: PreparedTransfer, options: ProduceOptions = {}): Promise<ProducedPackage> {
  const material = await unwrapKeys(ctx, t);
  let packageKey: Awaited<ReturnType<typeof newPackageKey>> | undefined;
  try {
    packageKey = await newPackageKey(ctx, t.transferId, t.createdAt);
    const writer = new PackageWriter(t.recipient.public_key, {
      transferId: t.transferId,
      contractId: t.contract.id,
      recipientId: t.recipient.id,
      createdAt: t.createdAt.toISOString(),
      records: t.plan.records,
    });
    const parts = new PackagePartWriter(ctx, t.transferId, t.attempt, packageKey.plaintext);
    await parts.writeHead(writer.prologue);
    // The threads open the stored chunks too: decrypting and parsing them is most of the work.
    const threads = t.plan.records >= THREADS_FROM_RECORDS ? Math.min(4, os.availableParallelism()) : 0;
    const desensitizer = createThreadedDesensitizer(material.spec, {
      threads,
      input: { alg: t.dataset.dek_alg, key: material.dek },
    });
    // Sealing was half of what this thread did; one thread of its own keeps pace with the rest.
    const sealing = threads > 0 ? 1 : 0;
    for await (const sealed of writer.seal(utf8(desensitizer.serialize(readChunks(ctx, t, options), 'ndjson')), sealing)) await parts.write(sealed);
    const stored = await parts.finish();
    return { ...stored, attempt: t.attempt, packageKeyId: packageKey.keyId, packageKey: packageKey.wrapped, wrappedFieldKeys: material.wrappedFieldKeys };
  } catch (error) {
    await discardPackage(ctx, t.transferId, { only: t.attempt }).catch((cleanup: unknown) =>
      // Parts left by a failed cleanup belong to an attempt that is never released; a retry or the sweep removes them.
      ctx.logger.warn({ transferId: t.transferId, code: cleanup instanceof SluiceError ? cleanup.code : 'unknown' }, 'package of a failed transfer not discarded'),
    );
    throw error;
  } finally {
    material.wipe();
    packageKey?.plaintext.fill(0);
  }
}

/** Removes the parts of a package that will not be released (of the attempts selected). */
export async function discardPackage(ctx: GatewayContext, transferId: string, attempts: { only: number } | { below: number }): Promise<void> {
  await deletePackageParts(ctx, transferId, attempts);
}

async function* utf8(texts: AsyncIterable<string | Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const text of texts) yield toBytes(text);
}

async function* readChunks(ctx: GatewayContext, t: PreparedTransfer, options: ProduceOptions) {
  let done = 0;
  for (const chunk of t.plan.chunks) {
    if (options.signal?.aborted) throw new SluiceError('CONFLICT', 'transfer attempt stopped');
    yield await readSealedChunk(ctx, t.dataset, chunk);
    done += chunk.take;
    options.onProgress?.(done);
  }
}

interface KeyMaterial {
  dek: Uint8Array;
  spec: DesensitizerSpec;
  wrappedFieldKeys: string | null;
  wipe(): void;
}

/** The dataset key, the contract's and the owner's transform secrets, and fresh field keys, from the KMS for this transfer only. */
async function unwrapKeys(ctx: GatewayContext, t: PreparedTransfer): Promise<KeyMaterial> {
  const { contract, transferId } = t;
  const held: Uint8Array[] = [];
  const hold = (key: Uint8Array) => (held.push(key), key);
  const wipe = () => held.forEach((key) => key.fill(0));
  try {
    const dek = hold(await unwrapDatasetKey(ctx, t.dataset));
    const contractSecret = hold(await ctx.kms.decrypt(contract.kek_id, contract.secret, transformSecretContext(contract.id)));
    const ownerScopeSecret = hold(await ownerSecret(ctx, t.owner));
    const policies = Object.fromEntries(t.delivered.map((f) => [f.name, f.policy]));
    const dataKeys = [];
    const wrapped: Record<string, string> = {};
    for (const alg of encryptAlgorithms(policies)) {
      const context = { purpose: 'field-encrypt', contractId: contract.id, transferId, alg };
      const key = await ctx.kms.dataKey(contract.kek_id, context, { bytes: FIELD_KEY_BYTES[alg] });
      dataKeys.push({ alg, key: hold(key.plaintext), keyRef: transferId });
      wrapped[alg] = key.ciphertext;
    }
    const keys = deriveTransformKeys(contractSecret);
    const ownerKeys = deriveTransformKeys(ownerScopeSecret);
    held.push(...Object.values(keys), ...Object.values(ownerKeys));
    const spec: DesensitizerSpec = {
      fields: policies,
      keys,
      ownerKeys,
      ...(dataKeys.length > 0 ? { dataKeys } : {}),
      ...(t.terms.fingerprint === true ? { fingerprint: { key: keys.fingerprint, rate: FINGERPRINT_RATE } } : {}),
    };
    return { dek, spec, wrappedFieldKeys: dataKeys.length > 0 ? JSON.stringify(wrapped) : null, wipe };
  } catch (error) {
    // A KMS failure half-way must not leave the keys already unwrapped in memory.
    wipe();
    throw error;
  }
}
