/**
 * Just enough of the protobuf wire format to walk Fabric's envelopes, blocks and proposal
 * responses. The offline verifier must run with no Fabric SDK at hand, and reading a handful of
 * fields by number needs no generated code.
 */
export type Message = Map<number, (Uint8Array | bigint)[]>;

export class ProtobufError extends Error {}

export function decode(bytes: Uint8Array): Message {
  const fields: Message = new Map();
  let offset = 0;
  const varint = (): bigint => {
    let result = 0n;
    for (let shift = 0n; ; shift += 7n) {
      if (offset >= bytes.length || shift > 63n) throw new ProtobufError('truncated varint');
      const byte = bytes[offset++] as number;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) return result;
    }
  };
  const take = (length: number): Uint8Array => {
    if (length < 0 || offset + length > bytes.length) throw new ProtobufError('truncated field');
    const value = bytes.subarray(offset, offset + length);
    offset += length;
    return value;
  };
  while (offset < bytes.length) {
    const key = varint();
    const field = Number(key >> 3n);
    let value: Uint8Array | bigint;
    switch (Number(key & 7n)) {
      case 0:
        value = varint();
        break;
      case 1:
        value = take(8);
        break;
      case 2:
        value = take(Number(varint()));
        break;
      case 5:
        value = take(4);
        break;
      default:
        throw new ProtobufError('unsupported wire type');
    }
    const list = fields.get(field);
    if (list) list.push(value);
    else fields.set(field, [value]);
  }
  return fields;
}

/** The last occurrence wins, as protobuf parsers do for singular fields. */
export function bytesField(message: Message, field: number): Uint8Array {
  const value = message.get(field)?.at(-1);
  if (value === undefined) return new Uint8Array();
  if (typeof value === 'bigint') throw new ProtobufError(`field ${field} is not length-delimited`);
  return value;
}

export function repeatedBytes(message: Message, field: number): Uint8Array[] {
  return (message.get(field) ?? []).map((value) => {
    if (typeof value === 'bigint') throw new ProtobufError(`field ${field} is not length-delimited`);
    return value;
  });
}

export function stringField(message: Message, field: number): string {
  return new TextDecoder('utf-8', { fatal: true }).decode(bytesField(message, field));
}

export function uintField(message: Message, field: number): bigint {
  const value = message.get(field)?.at(-1);
  if (value === undefined) return 0n;
  if (typeof value !== 'bigint') throw new ProtobufError(`field ${field} is not a varint`);
  return value;
}

export function messageField(message: Message, field: number): Message {
  return decode(bytesField(message, field));
}

/** Encodes length-delimited fields in the order given, as Go's marshaller does for these messages. */
export function encodeBytesFields(fields: [number, Uint8Array][]): Uint8Array {
  const parts: number[] = [];
  const varint = (value: number) => {
    let rest = value;
    while (rest >= 0x80) {
      parts.push((rest & 0x7f) | 0x80);
      rest = Math.floor(rest / 128);
    }
    parts.push(rest);
  };
  for (const [field, value] of fields) {
    if (value.length === 0) continue;
    varint((field << 3) | 2);
    varint(value.length);
    for (const byte of value) parts.push(byte);
  }
  return Uint8Array.from(parts);
}
