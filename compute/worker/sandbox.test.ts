import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildChildBundle } from './bundle.ts';
import { sandboxLaunch } from './sandbox.ts';

/** Tries everything a job child must not be able to do and prints what happened. */
const PROBE = `
import fs from 'node:fs';
const scratch = process.argv[2];
const [outside, secretFile] = JSON.parse(fs.readFileSync(scratch + '/probe.json', 'utf8'));
const results = {};
const attempt = async (name, fn) => { try { await fn(); results[name] = 'allowed'; } catch (e) { results[name] = e.code ?? e.message; } };
await attempt('writeScratch', () => fs.writeFileSync(scratch + '/ok.txt', 'ok'));
await attempt('writeOutside', () => fs.writeFileSync(outside + '/escaped.txt', 'x'));
await attempt('readOutside', () => fs.readFileSync(secretFile));
await attempt('listOutside', () => fs.readdirSync(outside));
await attempt('spawn', async () => (await import('node:child_process')).execFileSync('/bin/true'));
await attempt('worker', async () => new (await import('node:worker_threads')).Worker('1', { eval: true }));
await attempt('addon', () => process.dlopen({ exports: {} }, '/nonexistent.node'));
results.env = Object.keys(process.env);
fs.writeSync(1, JSON.stringify(results));
`;

describe('job sandbox', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-sandbox-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('confines the child to its scratch directory: no writes or reads outside, no processes, no workers, no addons, no env', () => {
    const scratch = path.join(dir, 'scratch');
    const outside = path.join(dir, 'outside');
    fs.mkdirSync(scratch);
    fs.mkdirSync(outside);
    const secretFile = path.join(outside, 'kms.db');
    fs.writeFileSync(secretFile, 'secret');
    const probe = path.join(dir, 'probe.mjs');
    fs.writeFileSync(probe, PROBE);
    fs.writeFileSync(path.join(scratch, 'probe.json'), JSON.stringify([outside, secretFile]));
    const launch = sandboxLaunch(probe, scratch, { timeoutMs: 30_000, maxOldSpaceMb: 256 });
    const run = spawnSync(launch.command, launch.args, { env: { ...launch.env }, cwd: scratch, encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const results = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(results.writeScratch).toBe('allowed');
    for (const denied of ['writeOutside', 'readOutside', 'listOutside', 'spawn', 'worker']) expect(results[denied], denied).toBe('ERR_ACCESS_DENIED');
    expect(results.addon).not.toBe('allowed');
    expect(fs.existsSync(path.join(outside, 'escaped.txt'))).toBe(false);
    expect(results.env).toEqual([]);
  });

  it('the worker process itself never imports secret-key code', () => {
    // Static and dynamic relative imports, followed from the worker's entry point.
    const root = path.resolve(import.meta.dirname, '..', '..');
    const seen = new Set<string>();
    const pending = [path.join(root, 'compute', 'worker', 'main.ts')];
    while (pending.length > 0) {
      const file = pending.pop()!;
      if (seen.has(file)) continue;
      seen.add(file);
      const source = fs.readFileSync(file, 'utf8');
      for (const match of source.matchAll(/(?:from|import\()\s*'(\.{1,2}\/[^']+\.ts)'/g)) pending.push(path.resolve(path.dirname(file), match[1]!));
    }
    const files = [...seen].map((f) => path.relative(root, f));
    expect(files).toContain('compute/worker/handler.ts');
    expect(files).toContain('compute/queue/bullmq.ts');
    expect(files.filter((f) => f.startsWith('kms/') || f === 'compute/index.ts')).toEqual([]);
  });

  it('bundles the evaluator without any secret-key or KMS code', async () => {
    const bundle = await buildChildBundle(path.join(dir, 'bundle'));
    const ours = bundle.sources.filter((s) => !s.includes('node_modules'));
    expect(ours).toContain('compute/he/evaluate.ts');
    expect(ours.filter((s) => s.startsWith('kms/'))).toEqual([]);
    expect(ours.filter((s) => s.startsWith('common/'))).toEqual(['common/errors.ts']);
    expect(fs.statSync(bundle.file).size).toBeGreaterThan(0);
  });
});
