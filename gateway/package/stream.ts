import { SluiceError } from '../../common/index.ts';
import {
  AeadError,
  canonicalBytes,
  concatBytes,
  randomBytes,
  sm2Decrypt,
  sm2Encrypt,
  sm3,
  StreamDecryptor,
  STREAM_NONCE_PREFIX_BYTES,
  type StreamParams,
} from '../../crypto/index.ts';
import { sealStream } from './seal.ts';
import { openPackageV1, type PackageV1Header } from './v1.ts';

export const PACKAGE_FORMAT = 'sluice.package.v2';
export const PACKAGE_ALG = 'SM2-SM4-GCM-STREAM';
/** "SLUICE", format 2, a newline: a v1 package starts with "{" instead. */
export const PACKAGE_MAGIC = Uint8Array.from([0x53, 0x4c, 0x55, 0x49, 0x43, 0x45, 0x02, 0x0a]);
/** Plaintext bytes per segment (as age's STREAM): a reader holds one segment at a time. */
export const PACKAGE_SEGMENT_SIZE = 64 * 1024;
const MAX_HEADER_BYTES = 64 * 1024;
const PREAMBLE_BYTES = PACKAGE_MAGIC.length + 4;

export interface PackageHeader {
  format: typeof PACKAGE_FORMAT;
  transferId: string;
  contractId: string;
  recipientId: string;
  createdAt: string;
  /** Source records in the package (canary rows of fingerprinted contracts come on top). */
  records: number;
  encryption: {
    alg: typeof PACKAGE_ALG;
    /** The package's SM4 key encrypted to the recipient's SM2 key (GM/T 0003.4, C1‖C3‖C2), hex. */
    encryptedKey: string;
    /** The 7-byte nonce prefix of the segments, hex. */
    noncePrefix: string;
    segmentSize: number;
  };
}

export type PackageMeta = Pick<PackageHeader, 'transferId' | 'contractId' | 'recipientId' | 'createdAt' | 'records'>;

/** magic ‖ u32 big-endian header length ‖ RFC 8785 JSON of the header. */
function prologueOf(header: PackageHeader): Uint8Array {
  const json = canonicalBytes(header);
  const out = new Uint8Array(PREAMBLE_BYTES + json.length);
  out.set(PACKAGE_MAGIC);
  new DataView(out.buffer).setUint32(PACKAGE_MAGIC.length, json.length);
  out.set(json, PREAMBLE_BYTES);
  return out;
}

const segmentParams = (key: Uint8Array, header: PackageHeader, prologue: Uint8Array): StreamParams => ({
  alg: 'SM4-GCM' as const,
  key,
  noncePrefix: Uint8Array.from(Buffer.from(header.encryption.noncePrefix, 'hex')),
  segmentSize: header.encryption.segmentSize,
  // Every segment is bound to the whole prologue, so no header field can be altered.
  aad: sm3(prologue),
});

/**
 * Seals NDJSON to the recipient's SM2 key as it is produced: a fresh SM4 key, wrapped to the
 * recipient, encrypts the stream in STREAM segments (crypto/stream-aead.ts). The package is
 * `prologue`, then every array `seal` yields. Only the holder of the recipient's private key can
 * open it; the platform never has that key.
 */
export class PackageWriter {
  readonly header: PackageHeader;
  readonly prologue: Uint8Array;
  readonly #params: StreamParams;

  constructor(recipientPublicKey: string, meta: PackageMeta) {
    const key = randomBytes(16);
    this.header = {
      format: PACKAGE_FORMAT,
      ...meta,
      encryption: {
        alg: PACKAGE_ALG,
        encryptedKey: Buffer.from(sm2Encrypt(recipientPublicKey, key)).toString('hex'),
        noncePrefix: Buffer.from(randomBytes(STREAM_NONCE_PREFIX_BYTES)).toString('hex'),
        segmentSize: PACKAGE_SEGMENT_SIZE,
      },
    };
    this.prologue = prologueOf(this.header);
    this.#params = segmentParams(key, this.header, this.prologue);
  }

  /**
   * The sealed segments of `records`, sealed on `threads` worker threads (0: this one). One use
   * only: the package key is wiped when it ends.
   */
  async *seal(records: AsyncIterable<Uint8Array>, threads = 0): AsyncGenerator<Uint8Array> {
    try {
      yield* sealStream(this.#params, records, threads);
    } finally {
      this.#params.key.fill(0);
    }
  }
}

const tampered = () => new SluiceError('DECRYPT_FAILED', 'the package failed authentication (altered, truncated, or not for this key)');

function parseHeader(json: Uint8Array): PackageHeader {
  let header: PackageHeader;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json)) as PackageHeader;
  } catch {
    throw new SluiceError('VALIDATION_FAILED', 'not a Sluice package (unreadable header)');
  }
  const e = header?.encryption;
  if (
    header?.format !== PACKAGE_FORMAT ||
    e?.alg !== PACKAGE_ALG ||
    typeof e.encryptedKey !== 'string' ||
    !/^[0-9a-f]+$/.test(e.encryptedKey) ||
    typeof e.noncePrefix !== 'string' ||
    !new RegExp(`^[0-9a-f]{${2 * STREAM_NONCE_PREFIX_BYTES}}$`).test(e.noncePrefix) ||
    !Number.isSafeInteger(e.segmentSize) ||
    e.segmentSize < 1 ||
    e.segmentSize > 1 << 24
  ) {
    throw new SluiceError('VALIDATION_FAILED', `not a ${PACKAGE_FORMAT} package`);
  }
  return header;
}

/**
 * Opens a package pushed in pieces of any size, in memory bounded by one segment for the
 * current format (a v1 package, one JSON object, is held whole). `push` and `finish` return the
 * NDJSON bytes authenticated so far: every released segment is authentic, and `finish` throws
 * DECRYPT_FAILED if the package was cut short, reordered, altered or extended.
 */
export class PackageReader {
  #header: PackageHeader | PackageV1Header | undefined;
  #head: Uint8Array[] = [];
  #v1 = false;
  #stream: StreamDecryptor | undefined;
  readonly #privateKey: string;

  constructor(privateKeyHex: string) {
    this.#privateKey = privateKeyHex;
  }

  /** The header, once read. */
  get header(): PackageHeader | PackageV1Header | undefined {
    return this.#header;
  }

  push(data: Uint8Array): Uint8Array[] {
    if (this.#stream) return this.#open(() => this.#stream!.push(data));
    this.#head.push(data);
    if (this.#v1) return [];
    const head = concatBytes(...this.#head);
    this.#head = [head];
    if (head.length > 0 && head[0] === 0x7b) {
      this.#v1 = true;
      return [];
    }
    if (head.length < PREAMBLE_BYTES) return [];
    if (!PACKAGE_MAGIC.every((b, i) => head[i] === b)) throw new SluiceError('VALIDATION_FAILED', 'not a Sluice package');
    const headerLength = new DataView(head.buffer, head.byteOffset).getUint32(PACKAGE_MAGIC.length);
    if (headerLength > MAX_HEADER_BYTES) throw new SluiceError('VALIDATION_FAILED', 'not a Sluice package (header too long)');
    if (head.length < PREAMBLE_BYTES + headerLength) return [];
    const prologue = head.subarray(0, PREAMBLE_BYTES + headerLength);
    const header = parseHeader(prologue.subarray(PREAMBLE_BYTES));
    let key: Uint8Array;
    try {
      key = sm2Decrypt(this.#privateKey, Buffer.from(header.encryption.encryptedKey, 'hex'));
    } catch {
      throw new SluiceError('DECRYPT_FAILED', 'the package key does not open with this private key');
    }
    if (key.length !== 16) throw tampered();
    this.#stream = new StreamDecryptor(segmentParams(key, header, prologue));
    key.fill(0);
    this.#header = header;
    this.#head = [];
    return this.push(head.subarray(prologue.length));
  }

  finish(): Uint8Array[] {
    if (this.#stream) return this.#open(() => [this.#stream!.finish()]);
    const whole = concatBytes(...this.#head);
    if (!this.#v1) throw whole.length === 0 ? new SluiceError('VALIDATION_FAILED', 'not a Sluice package (empty)') : tampered();
    const { header, records } = openPackageV1(whole, this.#privateKey);
    this.#header = header;
    return [records];
  }

  #open(step: () => Uint8Array[]): Uint8Array[] {
    try {
      return step();
    } catch (error) {
      if (error instanceof AeadError) throw tampered();
      throw error;
    }
  }
}

/** A whole package in memory (small packages, tests): its header and NDJSON records. */
export function openPackage(packageBytes: Uint8Array, privateKeyHex: string): { header: PackageHeader | PackageV1Header; records: Uint8Array } {
  const reader = new PackageReader(privateKeyHex);
  const records = concatBytes(...reader.push(packageBytes), ...reader.finish());
  return { header: reader.header!, records };
}
