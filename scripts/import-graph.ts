/**
 * The repository's import graph, from a static parse of its own TypeScript, and the component
 * diagram of docs/ARCHITECTURE.md drawn from it.
 *
 *   node --import tsx scripts/import-graph.ts          prints the diagram (Mermaid)
 *   node --import tsx scripts/import-graph.ts --write  puts it into docs/ARCHITECTURE.md
 *
 * test/structure/import-graph.test.ts fails when the document's diagram is not what this prints.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** File → the repository files it imports. */
export type Graph = Map<string, string[]>;

/** Every TypeScript file of the repository (TSX included), relative to its root; dependencies and dot folders left out. */
function sourceFiles(dir = ROOT): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) return [];
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return /\.[mc]?tsx?$/.test(entry.name) ? [path.relative(ROOT, full)] : [];
  });
}

/**
 * Who imports whom among the repository's own files: import and export-from declarations
 * (`import type` included: a type-only circle is still a circle in the design) and dynamic
 * imports of a literal path.
 */
export function importGraph(files = sourceFiles()): Graph {
  const graph: Graph = new Map();
  for (const file of files) {
    const { importedFiles } = ts.preProcessFile(fs.readFileSync(path.join(ROOT, file), 'utf8'), true, true);
    const targets = importedFiles
      .map((imported) => imported.fileName)
      .filter((specifier) => specifier.startsWith('./') || specifier.startsWith('../'))
      .map((specifier) => path.normalize(path.join(path.dirname(file), specifier)));
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** Tests, their support, benchmarks and scripts: code that is not part of any running component. */
export function isTestOrTooling(file: string): boolean {
  return /\.test\.tsx?$/.test(file) || /^(test|bench|scripts)\//.test(file) || file === 'vitest.config.ts';
}

/** The components, in the order the diagram lists them. */
const COMPONENTS = ['gateway', 'console', 'kms', 'compute', 'ledger', 'contracts', 'crypto', 'common'] as const;

function componentOf(file: string): string | undefined {
  const top = file.split('/')[0]!;
  return (COMPONENTS as readonly string[]).includes(top) ? top : undefined;
}

/**
 * What runs: each process (or browser page) and the files it starts from. The sluice CLI loads
 * one command file by name at run time, so every file of its commands folder is an entry.
 */
const PROCESSES: ReadonlyArray<{ name: string; entries: readonly string[] }> = [
  { name: 'gateway', entries: ['gateway/main.ts'] },
  { name: 'sluice CLI', entries: ['gateway/cli/main.ts', 'gateway/cli/commands/'] },
  { name: 'kms', entries: ['kms/main.ts'] },
  { name: 'worker', entries: ['compute/worker/main.ts'] },
  { name: 'job child', entries: ['compute/worker/child.ts'] },
  { name: 'chaincode', entries: ['contracts/index.ts'] },
  { name: 'browser', entries: ['console/web/main.tsx'] },
];

/** The entry files of a process: its files, and the non-test files of its folders. */
function entryFiles(graph: Graph, entries: readonly string[]): string[] {
  return entries.flatMap((entry) => {
    const files = entry.endsWith('/') ? [...graph.keys()].filter((file) => file.startsWith(entry) && !isTestOrTooling(file)) : graph.has(entry) ? [entry] : [];
    if (files.length === 0) throw new Error(`process entry ${entry} is not in the repository: update PROCESSES in scripts/import-graph.ts`);
    return files;
  });
}

/** Every file reachable from `start` through imports. */
export function reachable(graph: Graph, start: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const queue = [...start];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (seen.has(file)) continue;
    seen.add(file);
    queue.push(...(graph.get(file) ?? []));
  }
  return seen;
}

/** Files every process entry reaches: what the running system loads. */
export function runtimeFiles(graph: Graph): Set<string> {
  return reachable(graph, PROCESSES.flatMap(({ entries }) => entryFiles(graph, entries)));
}

/**
 * The component diagram: one node per component, labelled with the processes that load any of
 * its files; one arrow per component that imports another, labelled with the files it imports
 * there (its entries, when the rule of one public `index.ts` holds). Tests, benchmarks and
 * scripts are left out.
 */
export function diagram(graph: Graph): string {
  const loadedBy = new Map<string, string[]>(COMPONENTS.map((component) => [component, []]));
  for (const { name, entries } of PROCESSES) {
    const components = new Set([...reachable(graph, entryFiles(graph, entries))].map(componentOf));
    for (const component of COMPONENTS) if (components.has(component)) loadedBy.get(component)!.push(name);
  }
  const edges = new Map<string, Set<string>>();
  for (const [file, targets] of graph) {
    const from = componentOf(file);
    if (!from || isTestOrTooling(file)) continue;
    for (const target of targets) {
      const to = componentOf(target);
      if (!to || to === from) continue;
      const key = `${from} ${to}`;
      if (!edges.has(key)) edges.set(key, new Set());
      edges.get(key)!.add(path.relative(to, target));
    }
  }
  const order = (key: string) => key.split(' ').map((c) => COMPONENTS.indexOf(c as (typeof COMPONENTS)[number]));
  const lines = ['flowchart TD'];
  for (const [component, processes] of loadedBy) {
    lines.push(`  ${component}["<b>${component}/</b><br/>${processes.length > 0 ? processes.join(', ') : 'loaded by no process'}"]`);
  }
  const sorted = [...edges.keys()].sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0]! - y[0]! || x[1]! - y[1]!;
  });
  for (const key of sorted) {
    const [from, to] = key.split(' ');
    lines.push(`  ${from} -->|"${[...edges.get(key)!].sort().join(', ')}"| ${to}`);
  }
  return lines.join('\n');
}

const BEGIN = '<!-- import-graph: generated by `node --import tsx scripts/import-graph.ts --write`; do not edit -->';
const END = '<!-- /import-graph -->';
const ARCHITECTURE = path.join(ROOT, 'docs/ARCHITECTURE.md');

/** The diagram as docs/ARCHITECTURE.md holds it, between its markers. */
export function documentedDiagram(markdown = fs.readFileSync(ARCHITECTURE, 'utf8')): string {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`docs/ARCHITECTURE.md has no import-graph markers`);
  return markdown.slice(start + BEGIN.length, end).trim().replace(/^```mermaid\n|\n```$/g, '');
}

function writeDiagram(mermaid: string): void {
  const markdown = fs.readFileSync(ARCHITECTURE, 'utf8');
  documentedDiagram(markdown);
  const start = markdown.indexOf(BEGIN) + BEGIN.length;
  fs.writeFileSync(ARCHITECTURE, `${markdown.slice(0, start)}\n\`\`\`mermaid\n${mermaid}\n\`\`\`\n${markdown.slice(markdown.indexOf(END))}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const mermaid = diagram(importGraph());
  if (process.argv.includes('--write')) writeDiagram(mermaid);
  else process.stdout.write(`${mermaid}\n`);
}
