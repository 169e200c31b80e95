import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

export const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * The compute code needs only `SluiceError` from common; resolving the common entry to its
 * errors module keeps the database, HTTP and logging stacks (and their native addons) out of
 * bundles.
 */
const errorsOnly: Plugin = {
  name: 'common-errors-only',
  setup(builder) {
    builder.onResolve({ filter: /common\/index\.ts$/ }, (args) => ({ path: path.join(path.dirname(path.resolve(args.resolveDir, args.path)), 'errors.ts') }));
  },
};

export interface Bundle {
  code: Uint8Array;
  /** Every source file compiled in, relative to the repository root. */
  sources: string[];
}

/**
 * One self-contained file of plain JavaScript for code that must run where tsx cannot: the
 * permission-restricted job child (ESM) and worker threads (CommonJS, as `eval` source —
 * Node 20 runs no module hooks in worker threads). node-seal's WebAssembly is inlined in its
 * JavaScript, so the bundle needs no other file.
 */
export async function bundleSource(entry: string, format: 'esm' | 'cjs'): Promise<Bundle> {
  // Loaded on demand: only processes that start sandboxes or encryption threads pay for it.
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: REPOSITORY_ROOT,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format,
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [errorsOnly],
    // node-seal is CommonJS and requires Node built-ins; an ES module bundle needs a `require`.
    ...(format === 'esm' ? { banner: { js: "import { createRequire as sluiceCreateRequire } from 'node:module'; const require = sluiceCreateRequire(import.meta.url);" } } : {}),
  });
  return { code: result.outputFiles[0]!.contents, sources: Object.keys(result.metafile.inputs) };
}
