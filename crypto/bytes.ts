import { fail } from '../common/errors.ts';

const encoder = new TextEncoder();

export type BytesLike = Uint8Array | string;

/** Strings are UTF-8; byte arrays pass through untouched (no copy). */
export function toBytes(data: BytesLike): Uint8Array {
  return typeof data === 'string' ? encoder.encode(data) : data;
}

export function bytesToHex(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('hex');
}

export function hexToBytes(hex: string): Uint8Array {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) throw fail.validation('invalid hex string');
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Uint8Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A Buffer view over the same memory, for node:crypto calls that want one. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
}

/** Plain Uint8Array (not a Buffer subclass) so callers and test equality see one type. */
export function fromBuffer(buf: Buffer): Uint8Array {
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.length);
}
