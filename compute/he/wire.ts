import { SluiceError } from '../../common/errors.ts';

const MAGIC = 0x534c4831; // "SLH1"

/**
 * The one container for every HE artifact that crosses a process boundary (keys, encrypted
 * columns, results): a JSON header saying what it is and under which parameters, then opaque
 * length-prefixed SEAL blobs.
 */
export function pack(header: object, blobs: readonly Uint8Array[]): Uint8Array {
  const head = Buffer.from(JSON.stringify(header), 'utf8');
  let length = 12 + head.length;
  for (const blob of blobs) length += 4 + blob.length;
  const out = Buffer.allocUnsafe(length);
  out.writeUInt32BE(MAGIC, 0);
  out.writeUInt32BE(head.length, 4);
  head.copy(out, 8);
  let offset = 8 + head.length;
  out.writeUInt32BE(blobs.length, offset);
  offset += 4;
  for (const blob of blobs) {
    out.writeUInt32BE(blob.length, offset);
    out.set(blob, offset + 4);
    offset += 4 + blob.length;
  }
  return out;
}

export function unpack(bytes: Uint8Array): { header: Record<string, unknown>; blobs: Uint8Array[] } {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const malformed = () => new SluiceError('VALIDATION_FAILED', 'malformed homomorphic artifact');
  if (buffer.length < 12 || buffer.readUInt32BE(0) !== MAGIC) throw malformed();
  const headLength = buffer.readUInt32BE(4);
  if (8 + headLength + 4 > buffer.length) throw malformed();
  let header: unknown;
  try {
    header = JSON.parse(buffer.subarray(8, 8 + headLength).toString('utf8'));
  } catch {
    throw malformed();
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) throw malformed();
  let offset = 8 + headLength;
  const count = buffer.readUInt32BE(offset);
  offset += 4;
  const blobs: Uint8Array[] = [];
  for (let i = 0; i < count; i++) {
    if (offset + 4 > buffer.length) throw malformed();
    const length = buffer.readUInt32BE(offset);
    if (offset + 4 + length > buffer.length) throw malformed();
    blobs.push(buffer.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  if (offset !== buffer.length) throw malformed();
  return { header: header as Record<string, unknown>, blobs };
}
