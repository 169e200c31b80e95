import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { assemble, MODULES, moduleSource } from '../scripts/wasm/build.ts';

describe('the WebAssembly modules of crypto/', () => {
  it.each(MODULES.map((module) => [module.name, module] as const))('%s is what scripts/wasm/build.ts assembles (regenerate: node --import tsx scripts/wasm/build.ts --write)', async (_, module) => {
    expect(fs.readFileSync(module.file, 'utf8')).toBe(moduleSource(module, await assemble(module)));
  });
});
