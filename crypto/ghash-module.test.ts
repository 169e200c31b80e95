import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble, MODULE_FILE, moduleSource } from '../scripts/ghash-wasm.ts';

describe('the WebAssembly GHASH module', () => {
  it('is what scripts/ghash-wasm.ts assembles (regenerate: node --import tsx scripts/ghash-wasm.ts --write)', async () => {
    expect(fs.readFileSync(MODULE_FILE, 'utf8')).toBe(moduleSource(await assemble()));
  });
});
