import { SluiceError } from '../../../common/index.ts';
import { HE_SCHEMES, isParameterSet, pack, unpack, type HeScheme } from '../../../compute/he/index.ts';

export interface SecretKeyArtifact {
  scheme: HeScheme;
  params: string;
  keyId: string;
  key: Uint8Array;
}

export function encodeSecretKey(a: SecretKeyArtifact): Uint8Array {
  return pack({ type: 'secret-key', scheme: a.scheme, params: a.params, keyId: a.keyId }, [a.key]);
}

export function decodeSecretKey(bytes: Uint8Array): SecretKeyArtifact {
  const { header, blobs } = unpack(bytes);
  const scheme = header.scheme as HeScheme;
  if (header.type !== 'secret-key' || !HE_SCHEMES.includes(scheme) || !isParameterSet(header.params, scheme) || typeof header.keyId !== 'string' || blobs.length !== 1) {
    throw new SluiceError('VALIDATION_FAILED', 'not a valid homomorphic secret key');
  }
  return { scheme, params: header.params, keyId: header.keyId, key: blobs[0]! };
}
