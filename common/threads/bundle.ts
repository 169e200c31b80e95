import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const REPOSITORY_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** First line of a cached bundle: this marker, then JSON of what it was built from. */
const MARKER = '// sluice-bundle ';

export interface Bundle {
  code: string;
  /** Every source file compiled in, relative to the repository root. */
  sources: string[];
}

interface Provenance {
  /** sha256 of every input file (repository-relative path → hex). */
  sources: Record<string, string>;
  /** sha256 of the code below the first line. */
  code: string;
}

/**
 * Code run off the main thread needs only `SluiceError` from common: resolving the common entry
 * to its errors module keeps the database, HTTP and logging stacks (and their native addons) out
 * of bundles, and fails the build of one that needs more.
 */
const errorsOnly: Plugin = {
  name: 'common-errors-only',
  setup(builder) {
    builder.onResolve({ filter: /common\/index\.ts$/ }, (args) => ({ path: path.join(path.dirname(path.resolve(args.resolveDir, args.path)), 'errors.ts') }));
  },
};

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * `entry` and everything it imports as one file of plain JavaScript, for code that must run
 * where tsx cannot: worker threads (CommonJS, as `eval` source — Node 20 runs no module hooks in
 * worker threads) and the permission-restricted job child (ESM). node-seal's WebAssembly is
 * inlined in its JavaScript, so a bundle needs no other file.
 *
 * Building takes esbuild a few tenths of a second, so a bundle is kept in a private per-user
 * directory under the temporary directory and reused while every file it was built from is
 * unchanged (milliseconds of hashing).
 */
export async function bundle(entry: string, format: 'esm' | 'cjs'): Promise<Bundle> {
  const dir = privateCacheDir();
  const name = `${path.relative(REPOSITORY_ROOT, entry).replace(/\.ts$/, '').replaceAll(path.sep, '-')}.${format === 'esm' ? 'mjs' : 'cjs'}`;
  const cached = dir === undefined ? undefined : readCached(path.join(dir, name));
  if (cached !== undefined) return cached;
  // Loaded on demand: only processes that start threads or sandboxes, and find no bundle, pay for it.
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
    // This module's own loader of esbuild, should a thread's code reach it, stays a plain import.
    external: ['esbuild'],
    // node-seal is CommonJS and requires Node built-ins; an ES module bundle needs a `require`.
    ...(format === 'esm' ? { banner: { js: "import { createRequire as sluiceCreateRequire } from 'node:module'; const require = sluiceCreateRequire(import.meta.url);" } } : {}),
  });
  const code = result.outputFiles[0]!.text;
  const sources = Object.keys(result.metafile.inputs);
  if (dir !== undefined) {
    const hashes = Object.fromEntries(sources.map((file) => [file, sha256(fs.readFileSync(path.join(REPOSITORY_ROOT, file)))]));
    writeCached(path.join(dir, name), code, { sources: hashes, code: sha256(code) });
  }
  return { code, sources };
}

/** A directory only this user can write to, or none: code found in a shared one could be anyone's. */
function privateCacheDir(): string | undefined {
  const uid = process.getuid?.();
  if (uid === undefined) return undefined;
  const dir = path.join(os.tmpdir(), `sluice-${uid}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return undefined;
  }
  const stat = fs.lstatSync(dir);
  return stat.isDirectory() && stat.uid === uid && (stat.mode & 0o077) === 0 ? dir : undefined;
}

function readCached(file: string): Bundle | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const newline = text.indexOf('\n');
    if (!text.startsWith(MARKER) || newline === -1) return undefined;
    const provenance = JSON.parse(text.slice(MARKER.length, newline)) as Provenance;
    const code = text.slice(newline + 1);
    if (sha256(code) !== provenance.code) return undefined;
    for (const [source, digest] of Object.entries(provenance.sources)) {
      if (sha256(fs.readFileSync(path.join(REPOSITORY_ROOT, source))) !== digest) return undefined;
    }
    return { code, sources: Object.keys(provenance.sources) };
  } catch {
    // Missing, unreadable or from an older layout: build afresh.
    return undefined;
  }
}

/** Written under a temporary name and renamed, so a concurrent run reads the old file or the new one. */
function writeCached(file: string, code: string, provenance: Provenance): void {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, `${MARKER}${JSON.stringify(provenance)}\n${code}`, { mode: 0o600 });
  fs.renameSync(partial, file);
}
