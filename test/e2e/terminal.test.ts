import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../scripts/ports.ts';
import { backendAvailable, findExecutable } from '../support/backends.ts';
import { runCli } from '../support/cli.ts';
import { sluiceBin } from '../support/files.ts';
import { api } from '../support/http.ts';

/**
 * `npm start` as a newcomer runs it: in a terminal (a pseudo-terminal from util-linux `script`),
 * on a fresh data dir. The console is served with no build step of its own, the log lines on
 * the terminal are for people while the log files stay JSON, and `sluice demo` seeds the stack.
 */
describe.runIf(backendAvailable('util-linux script (pseudo-terminal)', findExecutable('script') !== undefined))('the stack on a terminal', () => {
  let child: ChildProcess;
  let output = '';
  let url: string;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-tty-'));
  const adminToken = `slc_admin_tty_${Date.now()}`;

  beforeAll(async () => {
    const [port, kmsPort] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? os.tmpdir(),
      TERM: 'xterm',
      SLUICE_DATA_DIR: dataDir,
      SLUICE_PORT: String(port),
      SLUICE_KMS_PORT: String(kmsPort),
      SLUICE_ADMIN_TOKEN: adminToken,
      SLUICE_LOG_LEVEL: 'info',
    };
    // Its own process group, so the whole stack stops with one signal to the group we started.
    child = spawn('script', ['-qfec', `${process.execPath} ${sluiceBin} start`, '/dev/null'], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
    const deadline = Date.now() + 90_000;
    while (!output.includes('sluice: ready')) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`stack did not start:\n${output}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (child?.pid && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      process.kill(-child.pid, 'SIGTERM');
      await exited;
    }
  });

  it('shows human-readable log lines on the terminal and keeps JSON in the log files', async () => {
    // pino-pretty's layout: a time, the level, the service and the message; no raw JSON entry.
    expect(output).toMatch(/\[\d{2}:\d{2}:\d{2}\.\d{3}\] .*INFO.*\[gateway\] gateway ready/);
    expect(output).not.toMatch(/\{"level":\d+/);
    const lines = fs.readFileSync(path.join(dataDir, 'logs', 'gateway.log'), 'utf8').trim().split('\n');
    const ready = lines.map((line) => JSON.parse(line) as { msg?: string; service?: string }).find((entry) => entry.msg === 'gateway ready');
    expect(ready).toMatchObject({ service: 'gateway' });
    expect(output).not.toContain(adminToken);
  });

  it('serves the console from a fresh start and seeds a demo the console can show', async () => {
    const page = await fetch(`${url}/console`);
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/\/console\/assets\/app-[0-9a-f]{16}\.js/);
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-demo-'));
    const demo = await runCli(['demo', '--out', path.join(cwd, 'demo')], { SLUICE_URL: url, SLUICE_ADMIN_TOKEN: adminToken });
    expect(demo.code).toBe(0);
    expect(demo.stdout).toContain(`Open ${url}/console`);
    const tokens = JSON.parse(fs.readFileSync(path.join(cwd, 'demo', 'tokens.json'), 'utf8')) as { owner: string };
    const pending = await api(url, 'GET', '/v1/contracts?status=pending', { token: tokens.owner });
    expect(pending.body.contracts).toHaveLength(1);
    // The tokens the demo printed were shown to the person, never logged.
    const logs = fs.readdirSync(path.join(dataDir, 'logs')).map((f) => fs.readFileSync(path.join(dataDir, 'logs', f), 'utf8')).join('\n');
    expect(logs).not.toContain(tokens.owner);
  });
});
