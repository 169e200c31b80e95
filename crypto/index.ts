/**
 * Sluice cryptographic primitives: the only entry other components import.
 * Pure functions over Uint8Array; strings are UTF-8 unless a parameter says hex.
 */
export { bytesToHex, concatBytes, hexToBytes, toBytes, type BytesLike } from './bytes.ts';
export { sm3, sm3Hex, createSm3 } from './sm3.ts';
export { createKeyedHash, type KeyedHash, type KeyedHashAlg } from './keyed-hash.ts';
export { createSipHash, type SipHash } from './siphash.ts';
export { hkdf, type HkdfHash } from './hkdf.ts';
export { canonicalize, canonicalBytes } from './jcs.ts';
export { randomBytes, randomToken, constantTimeEqual } from './random.ts';
export {
  normalizeSm2PublicKey,
  sm2Decrypt,
  sm2Encrypt,
  sm2GenerateKeyPair,
  sm2PublicKeyFromPrivate,
  sm2Sign,
  sm2Verify,
  SM2_DEFAULT_USER_ID,
  type Sm2KeyPair,
  type Sm2Options,
} from './sm2.ts';
export { ed25519CanonicalPublicKey, ed25519GenerateKeyPair, ed25519RawPublicKey, ed25519Sign, ed25519Verify, type Ed25519KeyPair } from './ed25519.ts';
export { createBlockCipher, sm4EncryptBlocks, sm4DecryptBlocks, type BlockCipher } from './block.ts';
export {
  aeadDecrypt,
  aeadEncrypt,
  createAead,
  open,
  seal,
  AEAD_KEY_BYTES,
  AEAD_NONCE_BYTES,
  AEAD_TAG_BYTES,
  AeadError,
  type Aead,
  type AeadAlg,
} from './aead.ts';
export {
  StreamBatcher,
  StreamDecryptor,
  StreamEncryptor,
  streamSegmentNonce,
  STREAM_NONCE_PREFIX_BYTES,
  STREAM_TAG_BYTES,
  type SegmentBatch,
  type StreamParams,
} from './stream-aead.ts';
export { ff1 } from './ff1.ts';
export { ff3_1, FF3_1_TWEAK_BYTES } from './ff3.ts';
export type { Ff1Cipher, FpeCipher } from './fpe.ts';
export { splitSecret, combineShares } from './shamir.ts';
