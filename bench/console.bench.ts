import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { loadConfig } from '../common/index.ts';
import { buildConsole } from '../console/index.ts';
import { startGateway } from '../gateway/index.ts';
import { chromiumPath, launchChromium } from '../test/support/browser.ts';
import { proposeContract, registerParty } from '../test/support/fixtures.ts';
import { api } from '../test/support/http.ts';
import { startKmsProcess } from '../test/support/kms.ts';
import type { BenchResult } from './types.ts';

/**
 * The web console: what a browser downloads and how long the first visit takes, beside the page
 * the gateway served before it (Swagger UI at /docs) measured the same way in the same run.
 * Loads run in fresh browser contexts (empty cache) over loopback, so they measure parsing,
 * script start and the first render, not a network.
 */

const LOADS = Number(process.env.SLUICE_BENCH_CONSOLE_LOADS ?? 7);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

const kib = (bytes: number) => bytes / 1024;

export async function run(): Promise<BenchResult[]> {
  const swaggerDir = path.join(path.dirname(createRequire(import.meta.url).resolve('@fastify/swagger-ui/package.json')), 'static');
  const swagger = Buffer.concat(['swagger-ui-bundle.js', 'swagger-ui-standalone-preset.js', 'index.css'].map((f) => fs.readFileSync(path.join(swaggerDir, f))));

  const build = await buildConsole();
  const bundle = Buffer.concat([build.script.body, build.style.body]);
  const results: BenchResult[] = [
    { name: 'console bundle (JS + CSS, minified)', value: kib(bundle.length), unit: 'KiB', baseline: { name: 'Swagger UI at /docs', value: kib(swagger.length) }, ratio: bundle.length / swagger.length },
    {
      name: 'console bundle, gzip',
      value: kib(gzipSync(bundle).length),
      unit: 'KiB',
      baseline: { name: 'Swagger UI at /docs, gzip', value: kib(gzipSync(swagger).length) },
      ratio: gzipSync(bundle).length / gzipSync(swagger).length,
    },
  ];
  const rebuild = await buildConsole();
  results.push({ name: 'console build (esbuild, first request after start)', value: rebuild.buildMs, unit: 'ms', baseline: { name: 'first build of this run', value: build.buildMs }, ratio: rebuild.buildMs / build.buildMs });

  if (!chromiumPath()) {
    process.stdout.write('chromium not found: first-load figures skipped\n');
    return results;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-bench-console-'));
  const kms = await startKmsProcess({ SLUICE_DATA_DIR: path.join(dir, 'kms') });
  const adminToken = `slc_admin_bench_${Date.now()}`;
  const gateway = await startGateway(
    loadConfig({ SLUICE_DATA_DIR: path.join(dir, 'gateway'), SLUICE_PORT: '0', SLUICE_KMS_URL: kms.url, SLUICE_KMS_TOKEN: kms.token, SLUICE_ADMIN_TOKEN: adminToken, SLUICE_LOG_LEVEL: 'warn', SLUICE_RATE_LIMIT: '1000000' }),
  );
  const browser = await launchChromium();
  try {
    const url = gateway.url;
    const owner = await registerParty(url, adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const recipient = await registerParty(url, adminToken, { name: 'Recipient', kind: 'overseas', jurisdiction: 'SG' });
    const dataset = await api(url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'd', fields: [{ name: 'city', type: 'string', category: 'general' }] } });
    for (let i = 0; i < 20; i++) await proposeContract(url, owner, { datasetId: dataset.body.id, recipientId: recipient.id, fields: { city: { transform: 'keep' } } });
    await fetch(`${url}/console`); // the bundle is built once per process; visits after that are measured

    const visit = async (path: string, ready: string, signIn?: string): Promise<number> => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const started = performance.now();
      await page.goto(url + path);
      await page.waitForSelector(ready);
      let elapsed = performance.now() - started;
      if (signIn) {
        await page.fill('input[name=token]', signIn);
        const signedIn = performance.now();
        await page.click('button[type=submit]');
        await page.waitForSelector('li.card');
        elapsed = performance.now() - signedIn;
      }
      await context.close();
      return elapsed;
    };
    const samples = async (fn: () => Promise<number>) => {
      await fn();
      const out: number[] = [];
      for (let i = 0; i < LOADS; i++) out.push(await fn());
      return median(out);
    };
    const swaggerLoad = await samples(() => visit('/docs', '.swagger-ui .information-container'));
    const consoleLoad = await samples(() => visit('/console', 'input[name=token]'));
    const ownerView = await samples(() => visit('/console', 'input[name=token]', owner.token));
    results.push(
      { name: `console first load to sign-in form (median of ${LOADS}, cold cache)`, value: consoleLoad, unit: 'ms', baseline: { name: 'Swagger UI /docs to rendered', value: swaggerLoad }, ratio: consoleLoad / swaggerLoad },
      { name: 'sign-in to 20 contracts listed (owner)', value: ownerView, unit: 'ms', baseline: { name: 'Swagger UI /docs to rendered', value: swaggerLoad }, ratio: ownerView / swaggerLoad },
    );
  } finally {
    await browser.close();
    await gateway.close();
    await kms.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return results;
}
