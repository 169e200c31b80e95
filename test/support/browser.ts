import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { Browser, Page, Request } from 'playwright-core';
import { backendAvailable, findExecutable } from './backends.ts';
import { repoRoot } from './files.ts';

/**
 * Debian's Chromium driven by playwright-core (no browser download). Present on this machine and
 * installed by .ci/run; with SLUICE_REQUIRE_BACKENDS=1 its absence fails the suite.
 */
export function chromiumPath(): string | undefined {
  const candidate = process.env.SLUICE_CHROMIUM ?? findExecutable('chromium') ?? findExecutable('chromium-browser');
  return candidate && fs.existsSync(candidate) ? candidate : undefined;
}

export function chromiumAvailable(): boolean {
  return backendAvailable('chromium', chromiumPath() !== undefined);
}

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({ executablePath: chromiumPath()!, headless: true, args: ['--no-sandbox', '--disable-dev-shm-usage'] });
}

/** Where screenshots go: a gitignored directory kept after the run as test artifacts. */
export const ARTIFACTS = path.join(repoRoot, 'test-artifacts', 'console');

export async function screenshot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: path.join(ARTIFACTS, `${name}.png`), fullPage: true });
}

/** Everything the page sent: URL, headers and body of every request. */
export function recordRequests(page: Page): Array<{ url: string; method: string; headers: Record<string, string>; body: string }> {
  const seen: Array<{ url: string; method: string; headers: Record<string, string>; body: string }> = [];
  page.on('request', (request: Request) => {
    seen.push({ url: request.url(), method: request.method(), headers: request.headers(), body: request.postData() ?? '' });
  });
  return seen;
}

/** Content-Security-Policy violations and script errors the page reported. */
export function recordProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) problems.push(`console: ${message.text()}`);
  });
  return problems;
}

const axeSource = fs.readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/**
 * axe-core run inside the page (evaluated through the DevTools protocol, which the page's CSP
 * does not govern): the serious and critical violations, as "rule: target" lines.
 */
/** The page's globals inside `page.evaluate` callbacks (this project's TypeScript has no DOM library). */
type PageGlobals = { document: any; getComputedStyle(el: unknown): { visibility: string } };

export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(context: unknown, options: unknown): Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: unknown }> }> }> } }).axe;
    const result = await axe.run((globalThis as unknown as PageGlobals).document, { resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .flatMap((v) => v.nodes.map((n) => `${v.id}: ${JSON.stringify(n.target)}`));
  });
}

/**
 * Presses Tab until focus comes back round and returns the visible, enabled controls focus never
 * reached, and those without an accessible name.
 */
export async function keyboardProblems(page: Page): Promise<string[]> {
  const total = await page.evaluate(() => {
    const { document, getComputedStyle } = globalThis as unknown as PageGlobals;
    const controls = [...document.querySelectorAll('a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex="-1"])')].filter(
      (el: any) => !el.disabled && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden',
    );
    controls.forEach((el: any, i: number) => el.setAttribute('data-control', String(i)));
    return controls.length;
  });
  await page.evaluate(() => (globalThis as unknown as PageGlobals).document.activeElement?.blur());
  const reached = new Set<string>();
  for (let i = 0; i < total * 2 + 5; i++) {
    await page.keyboard.press('Tab');
    const mark = await page.evaluate(() => ((globalThis as unknown as PageGlobals).document.activeElement?.getAttribute('data-control') ?? null) as string | null);
    if (mark !== null) reached.add(mark);
  }
  return page.evaluate((marks: string[]) => {
    const problems: string[] = [];
    for (const el of (globalThis as unknown as PageGlobals).document.querySelectorAll('[data-control]')) {
      const describe = `${el.tagName.toLowerCase()} ${el.outerHTML.slice(0, 80)}`;
      if (!marks.includes(el.getAttribute('data-control')!)) problems.push(`not reachable by Tab: ${describe}`);
      el.removeAttribute('data-control');
    }
    return problems;
  }, [...reached]);
}
