import type { DataRecord } from '../../gateway/formats/index.ts';

/** Feeds text to a reader in pieces of `size` bytes, so every boundary case gets exercised. */
export async function* chunked(text: string | Uint8Array, size: number): AsyncGenerator<Uint8Array> {
  const bytes = typeof text === 'string' ? new TextEncoder().encode(text) : text;
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

export async function collect(batches: AsyncIterable<DataRecord[]>): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  for await (const batch of batches) out.push(...batch);
  return out;
}
