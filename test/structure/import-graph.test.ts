import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { diagram, documentedDiagram, importGraph, isTestOrTooling, reachable, ROOT, runtimeFiles, type Graph } from '../../scripts/import-graph.ts';

/** One circle per strongly connected component with more than one file (or a file importing itself), as a path that returns to its start. */
function circles(graph: Graph): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, index.get(node)!);
    stack.push(node);
    onStack.add(node);
    for (const next of graph.get(node) ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(node, Math.min(low.get(node)!, low.get(next)!));
      } else if (onStack.has(next)) {
        low.set(node, Math.min(low.get(node)!, index.get(next)!));
      }
    }
    if (low.get(node) !== index.get(node)) return;
    const component = new Set<string>();
    let member: string;
    do {
      member = stack.pop()!;
      onStack.delete(member);
      component.add(member);
    } while (member !== node);
    if (component.size > 1 || graph.get(node)?.includes(node)) found.push(circleThrough(graph, node, component));
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return found;
}

/** A shortest path from `start` back to itself inside its component (breadth first). */
function circleThrough(graph: Graph, start: string, component: Set<string>): string[] {
  const cameFrom = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const node = queue.shift()!;
    for (const next of graph.get(node) ?? []) {
      if (!component.has(next)) continue;
      if (next === start) {
        const trail: string[] = [];
        for (let at = node; at !== start; at = cameFrom.get(at)!) trail.unshift(at);
        return [start, ...trail, start];
      }
      if (!cameFrom.has(next)) {
        cameFrom.set(next, node);
        queue.push(next);
      }
    }
  }
  return [start];
}

describe('import graph', () => {
  it('finds a circle, and names its files in order', () => {
    const graph: Graph = new Map([
      ['a.ts', ['b.ts']],
      ['b.ts', ['c.ts', 'd.ts']],
      ['c.ts', ['a.ts']],
      ['d.ts', []],
      ['e.ts', ['e.ts']],
    ]);
    expect(circles(graph)).toEqual([['a.ts', 'b.ts', 'c.ts', 'a.ts'], ['e.ts', 'e.ts']]);
    expect(circles(new Map([['a.ts', ['b.ts']], ['b.ts', []]]))).toEqual([]);
  });

  it('has no circle among the repository\'s own TypeScript files, type-only imports included', () => {
    const graph = importGraph();
    expect(graph.size).toBeGreaterThan(300);
    // The parse sees type-only imports and re-exports: both of these edges are nothing else.
    expect(graph.get('ledger/types.ts')).toContain('ledger/format/index.ts');
    expect(graph.get('ledger/format/index.ts')).toContain('ledger/format/record.ts');
    const found = circles(graph).map((circle) => circle.join(' → '));
    expect(found, `import circles:\n${found.join('\n')}`).toEqual([]);
  });

  it('keeps test support to tests and benchmarks', () => {
    const graph = importGraph();
    const reached = [...graph].flatMap(([file, targets]) => targets.filter((target) => target.startsWith('test/')).map((target) => [file, target] as const));
    // The parse sees what it looks for: tests do import the support…
    expect(reached.some(([file]) => file.endsWith('.test.ts'))).toBe(true);
    // …and nothing that runs does.
    const leaks = reached.filter(([file]) => !isTestOrTooling(file) || file.startsWith('scripts/')).map(([file, target]) => `${file} → ${target}`);
    expect(leaks, `code outside tests and benchmarks importing test code:\n${leaks.join('\n')}`).toEqual([]);
  });

  it('holds every module that only tests import in test/support', () => {
    const graph = importGraph();
    // What the processes load, and what benchmarks and scripts load short of test support.
    const untested: Graph = new Map([...graph].filter(([file]) => !file.startsWith('test/')));
    const live = new Set([...runtimeFiles(graph), ...reachable(untested, [...untested.keys()].filter((file) => /^(bench|scripts)\//.test(file)))]);
    // The chaincode's files count through its process entry, though only tests import it here.
    expect(live.has('contracts/contract.ts')).toBe(true);
    // A component's public entry (what a test reaches a component through) and the browser
    // build's swapped leaves (console/build.ts names them by path) are not test support.
    const testOnly = [...graph.keys()].filter(
      (file) =>
        !isTestOrTooling(file) &&
        !live.has(file) &&
        !file.endsWith('/index.ts') &&
        !file.startsWith('console/web/platform/') &&
        [...graph].some(([importer, targets]) => targets.includes(file) && isTestOrTooling(importer)),
    );
    expect(testOnly, `modules only tests import, outside test/support:\n${testOnly.join('\n')}`).toEqual([]);
  });

  it('has the compliance rules reach the subject store through its interface alone', () => {
    const graph = importGraph();
    const STORE = 'gateway/compliance/store/';
    const edges = [...graph].filter(([file]) => !file.startsWith(STORE)).flatMap(([file, targets]) => targets.filter((t) => t.startsWith(STORE)).map((t) => `${file} → ${t}`));
    expect(edges.some((edge) => edge.startsWith('gateway/compliance/subject-counter.ts'))).toBe(true);
    expect(edges.filter((edge) => !edge.endsWith(`→ ${STORE}index.ts`))).toEqual([]);
    // …and the store knows nothing of the rules.
    const back = [...graph].filter(([file]) => file.startsWith(STORE)).flatMap(([file, targets]) => targets.filter((t) => t.startsWith('gateway/') && !t.startsWith(STORE)).map((t) => `${file} → ${t}`));
    expect(back).toEqual([]);
  });

  it('is drawn in docs/ARCHITECTURE.md as the code has it (regenerate: node --import tsx scripts/import-graph.ts --write)', () => {
    expect(documentedDiagram()).toBe(diagram(importGraph()));
  });
});

/**
 * Loads `entry` in a fresh Node process, as the gateway does (tsx), and lists the packages it
 * loaded: CommonJS ones from the require cache, ES modules from a resolve hook.
 */
async function packagesLoadedBy(entry: string): Promise<string[]> {
  const hook = `
    import fs from 'node:fs';
    let file;
    export function initialize(data) { file = data.file; }
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      fs.appendFileSync(file, resolved.url + '\\n');
      return resolved;
    }`;
  const probe = `
    import fs from 'node:fs';
    import { createRequire, register } from 'node:module';
    import { pathToFileURL } from 'node:url';
    const [entry, file] = process.argv.slice(1);
    register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hook)}), { data: { file } });
    await import(pathToFileURL(entry).href);
    fs.appendFileSync(file, Object.keys(createRequire(import.meta.url).cache).join('\\n') + '\\n');`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-probe-'));
  try {
    const file = path.join(dir, 'loaded.txt');
    await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', probe, path.join(ROOT, entry), file], { cwd: ROOT });
    const packages = new Set<string>();
    for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
      const match = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(line);
      if (match) packages.add(match[1]!);
    }
    return [...packages].sort();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const FABRIC_PACKAGES = /^(fabric-contract-api|fabric-shim|fabric-shim-api|@hyperledger\/.*|@grpc\/.*|winston|reflect-metadata|class-transformer)$/;

describe('what the ledger loads', () => {
  it('loads no Fabric package, gRPC, chaincode logger or decorator runtime when the embedded ledger is imported', async () => {
    const [ledger, chaincode, fabric] = await Promise.all([
      packagesLoadedBy('ledger/index.ts'),
      packagesLoadedBy('contracts/index.ts'),
      packagesLoadedBy('ledger/fabric/index.ts'),
    ]);
    expect(ledger.filter((name) => FABRIC_PACKAGES.test(name))).toEqual([]);
    expect(ledger).toContain('better-sqlite3');
    // The probe sees what it looks for: the chaincode and the Fabric client do load these…
    expect(chaincode).toEqual(expect.arrayContaining(['fabric-contract-api', 'winston', 'reflect-metadata']));
    expect(fabric).toEqual(expect.arrayContaining(['@hyperledger/fabric-gateway', '@grpc/grpc-js']));
    // …and the chaincode shares only the record format, not the embedded ledger's storage.
    expect(chaincode).not.toContain('better-sqlite3');
  });
});

const isTest = (file: string) => /\.test\.ts$/.test(file);

describe('process boundaries', () => {
  const graph = importGraph();
  const files = [...graph.keys()];

  it('keeps secret-key code out of compute: no compute module reaches kms/, and no compute file imports the secret-key modules', () => {
    const secret = files.filter((f) => f.startsWith('kms/he/secret/'));
    expect(secret).toEqual(expect.arrayContaining(['kms/he/secret/keygen.ts', 'kms/he/secret/decrypt.ts', 'kms/he/secret/secret-key.ts']));
    // What a worker or its job child could load: every compute module but the tests.
    const reaching = files.filter((f) => f.startsWith('compute/') && !isTest(f) && [...reachable(graph, [f])].some((r) => r.startsWith('kms/')));
    expect(reaching).toEqual([]);
    // Round-trip tests take a key holder from the KMS (its entry, its test server), never the secret-key modules themselves.
    const direct = files.filter((f) => f.startsWith('compute/') && graph.get(f)!.some((t) => t.startsWith('kms/he/secret/')));
    expect(direct).toEqual([]);
  });

  it('lets the KMS into compute through its narrow entry alone, which holds no evaluation, encryption, queue or worker code', () => {
    const crossings = files.filter((f) => f.startsWith('kms/') && !isTest(f)).flatMap((f) => graph.get(f)!.filter((t) => t.startsWith('compute/')).map((t) => `${f} → ${t}`));
    expect(crossings.length).toBeGreaterThan(0);
    expect(crossings.filter((c) => !c.endsWith('→ compute/he/index.ts'))).toEqual([]);
    const entry = [...reachable(graph, ['compute/he/index.ts'])];
    expect(entry).toContain('compute/he/context.ts');
    expect(entry.filter((f) => /^compute\/(worker|queue|psi)\/|^compute\/he\/(evaluate|encrypt|encrypt-worker|parallel|verify)\.ts$|^compute\/index\.ts$/.test(f))).toEqual([]);
  });

  it('shares formats that cross a process through light modules: the HE entry and the job payload load neither SEAL nor Fastify', async () => {
    const heavy = /^(node-seal|fastify|@fastify\/.*|kysely|better-sqlite3|pg|pino|bullmq|ioredis)$/;
    const [he, payload, routes] = await Promise.all([packagesLoadedBy('compute/he/index.ts'), packagesLoadedBy('compute/worker/payload.ts'), packagesLoadedBy('kms/he/routes.ts')]);
    expect(he.filter((name) => heavy.test(name))).toEqual([]);
    expect(payload.filter((name) => heavy.test(name))).toEqual([]);
    // The probe sees them where they are loaded: the KMS's HTTP side does load Fastify.
    expect(routes).toContain('fastify');
  });
});
