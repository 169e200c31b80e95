import { createHash } from 'node:crypto';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plugin } from 'esbuild';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const WEB = path.join(ROOT, 'console/web');

/**
 * Modules the page shares with the server whose Node-only leaves are swapped for browser ones
 * with the same exports: the crypto primitives (node:crypto, Buffer), and the Fabric proof
 * checks (X.509 through node:crypto), which the page declines instead. Everything else — the
 * verifier's checks, RFC 8785, the SM2 encodings — is the server's own code.
 */
const BROWSER_SUBSTITUTES: Record<string, string> = {
  [path.join(ROOT, 'crypto/index.ts')]: path.join(WEB, 'platform/crypto.ts'),
  [path.join(ROOT, 'crypto/bytes.ts')]: path.join(WEB, 'platform/bytes.ts'),
  [path.join(ROOT, 'ledger/fabric/proof.ts')]: path.join(WEB, 'platform/fabric-proof.ts'),
};

/** Built-ins that bundled server modules import for functions the page never calls (file reading, trust-document building). */
const UNUSED_BUILTINS: Record<string, string> = {
  'node:fs': path.join(WEB, 'platform/empty.ts'),
  'node:crypto': path.join(WEB, 'platform/unused-crypto.ts'),
};

export const browserPlatform: Plugin = {
  name: 'sluice-browser-platform',
  setup(builder) {
    builder.onResolve({ filter: /^\.\.?\// }, (args) => {
      const substitute = BROWSER_SUBSTITUTES[path.resolve(args.resolveDir, args.path)];
      return substitute ? { path: substitute } : undefined;
    });
    builder.onResolve({ filter: /^node:/ }, (args) => {
      const unused = UNUSED_BUILTINS[args.path];
      // node:crypto only where it is server-side bookkeeping; anywhere else it would be a real use.
      if (unused && (args.path !== 'node:crypto' || args.importer === path.join(ROOT, 'ledger/trust.ts'))) return { path: unused };
      return { errors: [{ text: `${args.path} (imported by ${path.relative(ROOT, args.importer)}) does not exist in a browser` }] };
    });
  },
};

export interface ConsoleAsset {
  /** Content-addressed file name, served with a long cache lifetime. */
  name: string;
  type: string;
  body: Buffer;
}

export interface ConsoleBuild {
  script: ConsoleAsset;
  style: ConsoleAsset;
  /** Milliseconds the build took. */
  buildMs: number;
}

function asset(stem: string, extension: string, type: string, contents: Uint8Array): ConsoleAsset {
  const body = Buffer.from(contents);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
  return { name: `${stem}-${hash}.${extension}`, type, body };
}

/**
 * Bundles the console (console/web/main.tsx and what it imports, Preact and the ledger verifier
 * included) into one minified ES module and one stylesheet, in memory. esbuild is a dependency,
 * so a fresh `npm ci` has everything this needs: nothing generated is committed.
 */
export async function buildConsole(): Promise<ConsoleBuild> {
  const started = performance.now();
  const { build } = await import('esbuild');
  const result = await build({
    absWorkingDir: ROOT,
    entryPoints: [path.join(WEB, 'main.tsx')],
    outdir: 'console-out',
    entryNames: 'app',
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: ['chrome110', 'firefox110', 'safari16'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    minify: true,
    legalComments: 'none',
    write: false,
    logLevel: 'silent',
    plugins: [browserPlatform],
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.js'));
  const css = result.outputFiles.find((f) => f.path.endsWith('.css'));
  if (!js || !css) throw new Error('the console build produced no script or no stylesheet');
  return {
    script: asset('app', 'js', 'text/javascript; charset=utf-8', js.contents),
    style: asset('app', 'css', 'text/css; charset=utf-8', css.contents),
    buildMs: performance.now() - started,
  };
}
