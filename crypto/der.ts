/** One DER TLV: tag byte, content bytes, and the offset just past it. */
export interface Tlv {
  tag: number;
  content: Uint8Array;
  end: number;
}

/**
 * Reads one TLV at `offset`, rejecting anything BER allows but DER forbids (indefinite or
 * non-minimal lengths), so a key or signature has exactly one accepted encoding.
 */
export function readTlv(bytes: Uint8Array, offset: number): Tlv {
  const tag = bytes[offset];
  let lengthByte = bytes[offset + 1];
  if (tag === undefined || lengthByte === undefined) throw new RangeError('truncated DER');
  let pos = offset + 2;
  let length = lengthByte;
  if (lengthByte & 0x80) {
    const count = lengthByte & 0x7f;
    if (count === 0 || count > 3) throw new RangeError('unsupported DER length');
    length = 0;
    for (let i = 0; i < count; i++) {
      lengthByte = bytes[pos++];
      if (lengthByte === undefined) throw new RangeError('truncated DER');
      length = length * 256 + lengthByte;
    }
    if (length < 0x80 || length < 256 ** (count - 1)) throw new RangeError('non-minimal DER length');
  }
  const end = pos + length;
  if (end > bytes.length) throw new RangeError('truncated DER');
  return { tag, content: bytes.subarray(pos, end), end };
}

/** Reads a SEQUENCE (or other constructed value) into its direct children, consuming it whole. */
export function readChildren(content: Uint8Array): Tlv[] {
  const children: Tlv[] = [];
  for (let offset = 0; offset < content.length; ) {
    const child = readTlv(content, offset);
    children.push(child);
    offset = child.end;
  }
  return children;
}

/** A DER INTEGER's content as a non-negative bigint; rejects negatives and padding zeros. */
export function readUnsignedInteger(content: Uint8Array): bigint {
  const first = content[0];
  if (first === undefined || first & 0x80) throw new RangeError('negative or empty DER INTEGER');
  if (first === 0 && content.length > 1 && !((content[1] ?? 0) & 0x80)) throw new RangeError('non-minimal DER INTEGER');
  return content.reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}
