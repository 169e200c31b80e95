import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..', '..');
const ENTRY = path.join(HERE, 'worker.ts');
const CACHE_FILE = 'desensitize-worker.cjs';
/** First line of a cached bundle: this marker, then JSON of what it was built from. */
const MARKER = '// sluice-bundle ';

interface Provenance {
  /** sha256 of every input file (repository-relative path → hex) and of the code below the first line. */
  sources: Record<string, string>;
  code: string;
}

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/**
 * The worker thread's code as one CommonJS file, for `new Worker(code, { eval: true })`: Node 20
 * runs no tsx hooks in worker threads. Building takes esbuild ~0.3 s, so the bundle is kept in a
 * private per-user directory under the temporary directory and reused while every file it was
 * built from is unchanged (a few milliseconds of hashing). It holds only the transform engine,
 * the serializers and `common/errors.ts`: no HTTP, database or KMS modules.
 */
export async function workerSource(): Promise<string> {
  const dir = privateCacheDir();
  const cached = dir === undefined ? undefined : readCached(path.join(dir, CACHE_FILE));
  if (cached !== undefined) return cached;
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [ENTRY],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  if (dir !== undefined) {
    const sources = Object.fromEntries(Object.keys(result.metafile.inputs).map((file) => [file, sha256(fs.readFileSync(path.join(ROOT, file)))]));
    writeCached(path.join(dir, CACHE_FILE), code, { sources, code: sha256(code) });
  }
  return code;
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

function readCached(file: string): string | undefined {
  try {
    const text = fs.readFileSync(file, 'utf8');
    const newline = text.indexOf('\n');
    if (!text.startsWith(MARKER) || newline === -1) return undefined;
    const provenance = JSON.parse(text.slice(MARKER.length, newline)) as Provenance;
    const code = text.slice(newline + 1);
    if (sha256(code) !== provenance.code) return undefined;
    for (const [source, digest] of Object.entries(provenance.sources)) {
      if (sha256(fs.readFileSync(path.join(ROOT, source))) !== digest) return undefined;
    }
    return code;
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
