import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';
import { SluiceError } from '../../common/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const entry = path.join(here, 'child.ts');
const secretDir = path.join(here, '..', 'he', 'secret') + path.sep;

/**
 * The compute code needs only `SluiceError` from common; resolving the common entry to its
 * errors module keeps the database, HTTP and logging stacks (and their native addons) out of
 * the sandbox.
 */
const errorsOnly: Plugin = {
  name: 'common-errors-only',
  setup(builder) {
    builder.onResolve({ filter: /common\/index\.ts$/ }, (args) => ({ path: path.join(path.dirname(path.resolve(args.resolveDir, args.path)), 'errors.ts') }));
  },
};

export interface ChildBundle {
  /** The single file the job child runs, and the only application code it may read. */
  file: string;
  /** Every source file compiled into it, relative to the repository root. */
  sources: string[];
}

/**
 * Compiles the job child into one self-contained ES module (node-seal's WebAssembly is inlined
 * in its JavaScript), so the sandbox needs read access to that one file instead of the whole
 * application and its `node_modules`. Refuses to produce a bundle that contains any secret-key
 * code.
 */
export async function buildChildBundle(outDir: string): Promise<ChildBundle> {
  const root = path.resolve(here, '..', '..');
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [errorsOnly],
    // node-seal is CommonJS and requires Node built-ins; an ES module bundle needs a `require`.
    banner: { js: "import { createRequire as sluiceCreateRequire } from 'node:module'; const require = sluiceCreateRequire(import.meta.url);" },
  });
  const sources = Object.keys(result.metafile.inputs);
  if (sources.some((s) => path.resolve(root, s).startsWith(secretDir))) {
    throw new SluiceError('INTERNAL', 'the job child bundle would contain secret-key code');
  }
  const code = result.outputFiles[0]!.contents;
  const digest = createHash('sha256').update(code).digest('hex').slice(0, 16);
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const file = path.join(outDir, `evaluate-${digest}.mjs`);
  if (!fs.existsSync(file)) {
    fs.writeFileSync(`${file}.${process.pid}.partial`, code, { mode: 0o444 });
    fs.renameSync(`${file}.${process.pid}.partial`, file);
  }
  return { file, sources };
}
