import { createHash } from 'node:crypto';
import { encodePublicKey, heContext, parameterSetFor, type HeScheme } from '../../../compute/he/index.ts';
import { encodeSecretKey } from './secret-key.ts';

export interface HeKeyset {
  keyId: string;
  scheme: HeScheme;
  /** The parameter set: BFV jobs that never multiply get the faster additive one. */
  params: string;
  /** Give to contributors and workers. */
  publicKey: Uint8Array;
  /** Keep sealed inside the KMS. */
  secretKey: Uint8Array;
}

export interface KeygenOptions {
  /** The job will multiply ciphertexts by plaintext weights (`weightedSum`). */
  plaintextMultiply?: boolean;
}

/** Secret-key holder side (the KMS): a fresh key set for one compute job. */
export async function keygen(scheme: HeScheme, options: KeygenOptions = {}): Promise<HeKeyset> {
  const params = parameterSetFor(scheme, options.plaintextMultiply ?? false);
  const { seal, context } = await heContext(params);
  const generator = seal.KeyGenerator(context);
  const publicKey = generator.createPublicKey();
  const secretKey = generator.secretKey();
  try {
    const pk = publicKey.saveArray(seal.ComprModeType.zstd);
    const keyId = createHash('sha256').update(pk).digest('hex').slice(0, 32);
    return {
      keyId,
      scheme,
      params,
      publicKey: encodePublicKey({ scheme, params, keyId, key: pk }),
      secretKey: encodeSecretKey({ scheme, params, keyId, key: secretKey.saveArray(seal.ComprModeType.zstd) }),
    };
  } finally {
    for (const o of [publicKey, secretKey, generator]) o.delete();
  }
}
