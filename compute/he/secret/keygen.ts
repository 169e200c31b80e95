import { createHash } from 'node:crypto';
import { heContext, type HeScheme } from '../params.ts';
import { encodePublicKey } from '../artifacts.ts';
import { encodeSecretKey } from './secret-key.ts';

export interface HeKeyset {
  keyId: string;
  scheme: HeScheme;
  /** Give to contributors and workers. */
  publicKey: Uint8Array;
  /** Keep sealed inside the KMS. */
  secretKey: Uint8Array;
}

/** Secret-key holder side (the KMS): a fresh key set for one compute job. */
export async function keygen(scheme: HeScheme): Promise<HeKeyset> {
  const { seal, context } = await heContext(scheme);
  const generator = seal.KeyGenerator(context);
  const publicKey = generator.createPublicKey();
  const secretKey = generator.secretKey();
  try {
    const pk = publicKey.saveArray(seal.ComprModeType.zstd);
    const keyId = createHash('sha256').update(pk).digest('hex').slice(0, 32);
    return {
      keyId,
      scheme,
      publicKey: encodePublicKey({ scheme, keyId, key: pk }),
      secretKey: encodeSecretKey({ scheme, keyId, key: secretKey.saveArray(seal.ComprModeType.zstd) }),
    };
  } finally {
    for (const o of [publicKey, secretKey, generator]) o.delete();
  }
}
