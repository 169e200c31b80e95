import fs from 'node:fs';

/** The private key of a `sluice keygen` file: `{"alg":"sm2","privateKey":"<64 hex>",…}`. */
export function readKeyFile(file: string): string {
  let parsed: { alg?: unknown; privateKey?: unknown };
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as typeof parsed;
  } catch {
    throw new Error('key file is not readable JSON');
  }
  if (parsed.alg !== 'sm2' || typeof parsed.privateKey !== 'string' || !/^[0-9a-fA-F]{64}$/.test(parsed.privateKey)) {
    throw new Error('key file must hold {"alg":"sm2","privateKey":"<64 hex>"}');
  }
  return parsed.privateKey;
}
