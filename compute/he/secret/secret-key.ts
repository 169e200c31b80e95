import { SluiceError } from '../../../common/index.ts';
import { HE_SCHEMES, paramsId, type HeScheme } from '../params.ts';
import { pack, unpack } from '../wire.ts';

export interface SecretKeyArtifact {
  scheme: HeScheme;
  keyId: string;
  key: Uint8Array;
}

export function encodeSecretKey(a: SecretKeyArtifact): Uint8Array {
  return pack({ type: 'secret-key', scheme: a.scheme, params: paramsId(a.scheme), keyId: a.keyId }, [a.key]);
}

export function decodeSecretKey(bytes: Uint8Array): SecretKeyArtifact {
  const { header, blobs } = unpack(bytes);
  const scheme = header.scheme as HeScheme;
  if (header.type !== 'secret-key' || !HE_SCHEMES.includes(scheme) || header.params !== paramsId(scheme) || typeof header.keyId !== 'string' || blobs.length !== 1) {
    throw new SluiceError('VALIDATION_FAILED', 'not a valid homomorphic secret key');
  }
  return { scheme, keyId: header.keyId, key: blobs[0]! };
}
