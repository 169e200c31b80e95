import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/index.ts';
import { startComputeWorker } from '../../compute/index.ts';
import { sm2GenerateKeyPair } from '../../crypto/index.ts';
import { openPackage, PACKAGE_FORMAT } from '../../gateway/index.ts';
import { deriveWorkerToken } from '../../kms/index.ts';
import { openEmbeddedLedger } from '../../ledger/index.ts';
import { accessibilityViolations, chromiumAvailable, keyboardProblems, launchChromium, recordProblems, recordRequests, screenshot } from '../support/browser.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';
import { startModelProvider, type ModelProvider } from '../support/model-provider.ts';

const VISITS = Array.from({ length: 30 }, (_, i) => ({ visitor: `访客${i}`, store: `门店${i % 3}` }));

const PEOPLE = [
  { name: '张三', phone: '13812345678', age: 34, city: '上海' },
  { name: '李四', phone: '13987654321', age: 41, city: '北京' },
  { name: '王五', phone: '13600001111', age: 29, city: '上海' },
  { name: '赵六', phone: '13722223333', age: 52, city: '深圳' },
];

/**
 * The console in real headless Chromium against a real gateway and KMS: each of the three people
 * does their work through the page, as a person would, and every view passes axe-core and a
 * keyboard walk. Screenshots land in test-artifacts/console/.
 */
describe.runIf(chromiumAvailable())('web console in Chromium', () => {
  // Transfers above 10 records run in the background (202); a KMS the test stalls answers late, not never.
  const harness = useGateway('sqlite', { SLUICE_RATE_LIMIT: '1000000', SLUICE_TRANSFER_SYNC_RECORDS: '10', SLUICE_KMS_TIMEOUT_MS: '60000' });
  let browser: Browser;
  let worker: { close(): Promise<void> } | undefined;
  let provider: ModelProvider | undefined;
  let stalled = false;
  /** A contract over 30 visits, approved: its transfers run in the background. */
  let visitsContractId: string;
  let jobId: string;
  let owner: PartyFixture;
  let recipient: PartyFixture;
  let regulator: PartyFixture;
  let datasetId: string;
  let contractId: string;
  let transferId: string;

  beforeAll(async () => {
    browser = await launchChromium();
    const { url, adminToken } = harness();
    owner = await registerParty(url, adminToken, { name: '上海数据有限公司', kind: 'domestic', jurisdiction: 'CN' });
    recipient = await registerParty(url, adminToken, { name: 'Lion Analytics Pte Ltd', kind: 'overseas', jurisdiction: 'SG' });
    regulator = await registerParty(url, adminToken, { name: '网信办', kind: 'regulator', jurisdiction: 'CN' });
    const dataset = await api(url, 'POST', '/v1/datasets', {
      token: owner.token,
      json: {
        name: '会员名单',
        fields: [
          { name: 'name', type: 'string', category: 'personal', subject: true },
          { name: 'phone', type: 'string' },
          { name: 'age', type: 'number', category: 'personal' },
          { name: 'city', type: 'string', category: 'general' },
        ],
      },
    });
    datasetId = dataset.body.id;
    await api(url, 'POST', `/v1/datasets/${datasetId}/records`, { token: owner.token, json: PEOPLE });
    await api(url, 'POST', '/v1/compliance/filings', {
      token: owner.token,
      json: { mechanism: 'standard_contract', reference: 'SC-2026-0001', validFrom: '2026-01-01', validUntil: '2028-12-31' },
    });
    const contract = await proposeContract(url, owner, {
      datasetId,
      recipientId: recipient.id,
      purposes: ['会员分析'],
      fields: { name: { transform: 'hash' }, phone: { transform: 'mask', keepStart: 3, keepEnd: 2 }, age: { transform: 'generalize', step: 10 } },
    });
    contractId = contract.id;

    const visits = await api(url, 'POST', '/v1/datasets', {
      token: owner.token,
      json: { name: '门店客流', fields: [{ name: 'visitor', type: 'string', category: 'personal', subject: true }, { name: 'store', type: 'string', category: 'general' }] },
    });
    await api(url, 'POST', `/v1/datasets/${visits.body.id}/records`, { token: owner.token, json: VISITS });
    const visitsContract = await proposeContract(url, owner, { datasetId: visits.body.id, recipientId: recipient.id, purposes: ['客流分析'], fields: { store: { transform: 'keep' } } });
    await approveContract(url, owner, visitsContract);
    visitsContractId = visitsContract.id;

    // A compute job over a second dataset, run by a worker to the point where it waits for the owner.
    const { dataDir, kms } = harness();
    worker = await startComputeWorker({ dataDir, kmsUrl: kms.url, workerToken: deriveWorkerToken(kms.token), logger: createLogger('compute-worker-test', 'silent') });
    const spend = await api(url, 'POST', '/v1/datasets', {
      token: owner.token,
      json: { name: '消费额', fields: [{ name: 'member', type: 'string', category: 'personal', subject: true }, { name: 'amount', type: 'number', category: 'general' }] },
    });
    await api(url, 'POST', `/v1/datasets/${spend.body.id}/records`, { token: owner.token, json: Array.from({ length: 12 }, (_, i) => ({ member: `m${i}`, amount: 100 * (i + 1) })) });
    const aggregate = await proposeContract(url, owner, { datasetId: spend.body.id, recipientId: recipient.id, purposes: ['会员分析'], fields: { amount: { transform: 'aggregate' } } });
    await approveContract(url, owner, aggregate);
    const job = await api(url, 'POST', '/v1/compute/jobs', {
      token: recipient.token,
      json: { operation: 'sum', column: 'amount', purpose: '会员分析', inputs: [{ datasetId: spend.body.id, contractId: aggregate.id }] },
    });
    jobId = job.body.id;
    for (let waited = 0; (await api(url, 'GET', `/v1/compute/jobs/${jobId}`, { token: recipient.token })).body.status !== 'awaiting_approval'; waited += 100) {
      if (waited > 60_000) throw new Error('the compute job did not reach awaiting_approval');
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  afterAll(async () => {
    if (stalled) harness().kms.signal('SIGCONT');
    await browser?.close();
    await worker?.close();
    await provider?.close();
  });

  /** A package the page saved: the same bytes the gateway serves, whose digest the receipt holds, opened with the recipient key. */
  async function openDownload(download: Download, id: string): Promise<string[]> {
    expect(download.suggestedFilename()).toBe(`${id}.sluice`);
    const saved = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-dl-')), download.suggestedFilename());
    await download.saveAs(saved);
    const bytes = fs.readFileSync(saved);
    const receipt = await api(harness().url, 'GET', `/v1/transfers/${id}/receipt`, { token: recipient.token });
    expect(createHash('sm3').update(bytes).digest('hex')).toBe(receipt.body.receipt.data.packageDigest);
    const pkg = openPackage(bytes, recipient.keys.privateKey);
    expect(pkg.header).toMatchObject({ format: PACKAGE_FORMAT, transferId: id, contractId: receipt.body.receipt.data.contractId, recipientId: recipient.id });
    return new TextDecoder().decode(pkg.records).trim().split('\n');
  }

  async function signedIn(party: PartyFixture): Promise<{ context: BrowserContext; page: Page; requests: ReturnType<typeof recordRequests>; problems: string[] }> {
    const context = await browser.newContext({ acceptDownloads: true, locale: 'zh-CN' });
    const page = await context.newPage();
    const requests = recordRequests(page);
    const problems = recordProblems(page);
    await page.goto(`${harness().url}/console`);
    await page.getByLabel(/参与方令牌|Party token/).fill(party.token);
    await page.getByRole('button', { name: /^(登录|Sign in)$/ }).click();
    await page.getByRole('navigation').waitFor();
    return { context, page, requests, problems };
  }

  async function expectAccessible(page: Page, view: string): Promise<void> {
    await screenshot(page, view);
    expect(await accessibilityViolations(page), `axe on ${view}`).toEqual([]);
    expect(await keyboardProblems(page), `keyboard on ${view}`).toEqual([]);
  }

  it('serves the page with a strict Content-Security-Policy and no inline script', async () => {
    const response = await fetch(`${harness().url}/console`);
    expect(response.status).toBe(200);
    const csp = response.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe');
    const html = await response.text();
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    const script = /src="(\/console\/assets\/app-[0-9a-f]{16}\.js)"/.exec(html)?.[1];
    const asset = await fetch(`${harness().url}${script}`);
    expect(asset.headers.get('content-type')).toContain('javascript');
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect((await fetch(`${harness().url}/console/assets/app-0000000000000000.js`)).status).toBe(404);
  });

  it('the sign-in view is accessible and keeps the token out of the URL', async () => {
    const context = await browser.newContext({ locale: 'zh-CN' });
    const page = await context.newPage();
    await page.goto(`${harness().url}/console`);
    await page.getByRole('button', { name: '登录' }).waitFor();
    await expectAccessible(page, 'sign-in');
    await page.getByLabel('参与方令牌').fill(owner.token);
    await page.getByRole('button', { name: '登录' }).click();
    await page.getByRole('navigation').waitFor();
    expect(page.url()).not.toContain(owner.token);
    const stored = await page.evaluate(() => {
      const { localStorage } = globalThis as unknown as { localStorage: { length: number; key(i: number): string; getItem(k: string): string } };
      return Array.from({ length: localStorage.length }, (_, i) => localStorage.getItem(localStorage.key(i))).join('\n');
    });
    expect(stored).not.toContain(owner.token);
    await context.close();
  });

  it('an owner reads a contract in plain words, signs it in the page, and the gateway then accepts a transfer', async () => {
    const { context, page, requests, problems } = await signedIn(owner);
    // Chinese by default for a domestic party.
    await page.waitForFunction("document.documentElement.lang === 'zh-CN'");
    await page.getByRole('button', { name: new RegExp(`查看 ${contractId}`) }).click();
    const detail = page.locator(`#contract-${contractId}`);
    await detail.getByText('掩码后发送：保留前 3 位和后 2 位').waitFor();
    await detail.getByText('泛化为宽度 10 的区间后发送').waitFor();
    await detail.getByText(/city/).first().waitFor();
    await detail.getByText(/无需申报|需订立标准合同/).waitFor();
    await detail.getByText(/再识别风险/).waitFor();
    await expectAccessible(page, 'owner-contract');

    // A key that is not the registered one is refused in the page; nothing is sent.
    const stranger = sm2GenerateKeyPair();
    const keyInput = detail.locator('input[type=file]');
    await keyInput.setInputFiles({ name: 'wrong.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ alg: 'sm2', ...stranger })) });
    await detail.getByRole('button', { name: '签署并批准' }).click();
    await detail.getByText('此密钥不是为您的参与方登记的公钥所对应的私钥。').waitFor();
    expect(requests.filter((r) => r.url.includes('/approve'))).toEqual([]);

    await keyInput.setInputFiles({ name: 'owner.json', mimeType: 'application/json', buffer: Buffer.from(JSON.stringify({ alg: 'sm2', ...owner.keys })) });
    await detail.getByRole('button', { name: '签署并批准' }).click();
    await page.getByText('合同已批准，签名已记入账本。').waitFor();
    await screenshot(page, 'owner-approved');

    const approvals = requests.filter((r) => r.url.endsWith(`/v1/contracts/${contractId}/approve`));
    expect(approvals).toHaveLength(1);
    expect(Object.keys(JSON.parse(approvals[0]!.body))).toEqual(['signature']);
    // Neither private key, in any spelling, ever left the page; the token only in its header.
    for (const request of requests) {
      const sent = `${request.url}\n${JSON.stringify(request.headers)}\n${request.body}`.toLowerCase();
      for (const secret of [owner.keys.privateKey, stranger.privateKey]) expect(sent).not.toContain(secret.toLowerCase());
      expect(request.url).not.toContain(owner.token);
      if (request.url.includes('/v1/')) expect(request.headers.authorization).toBe(`Bearer ${owner.token}`);
    }

    const contract = await api(harness().url, 'GET', `/v1/contracts/${contractId}`, { token: owner.token });
    expect(contract.body.status).toBe('approved');
    const transfer = await api(harness().url, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId, purpose: '会员分析' } });
    expect([201, 202]).toContain(transfer.status);
    transferId = transfer.body.id;

    // The compute job waiting for this owner, with what it would reveal; released from the page.
    await page.getByRole('button', { name: '计算任务', exact: true }).click();
    await page.getByText(`将向 ${recipient.id} 发布：sum（列“amount”），用途“会员分析”，结果至少覆盖 10 人`).waitFor();
    await expectAccessible(page, 'owner-compute');
    await page.getByRole('button', { name: `批准发布 ${jobId}` }).click();
    await page.getByText('已批准发布。').waitFor();
    const result = await api(harness().url, 'GET', `/v1/compute/jobs/${jobId}/result`, { token: recipient.token });
    expect(result.body).toMatchObject({ operation: 'sum', value: 7800, n: 12 });

    for (const section of ['数据集', '合规', '收到的数据']) {
      await page.getByRole('button', { name: section, exact: true }).click();
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      await expectAccessible(page, `owner-${section}`);
    }
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a recipient sees its contract and transfers in English and downloads the package', async () => {
    const { context, page, problems } = await signedIn(recipient);
    await page.waitForFunction("document.documentElement.lang === 'en'");
    await page.getByText(/masked: the first 3 and last 2 characters kept/).waitFor();
    await expectAccessible(page, 'recipient-contracts');
    await page.getByRole('button', { name: 'Transfers', exact: true }).click();
    await page.getByRole('cell', { name: transferId }).waitFor();
    await expectAccessible(page, 'recipient-transfers');
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: `Download package ${transferId}` }).click()]);
    const released = (await openDownload(download, transferId)).map((line) => JSON.parse(line) as Record<string, string>);
    expect(released.map((r) => r.phone)).toEqual(PEOPLE.map((p) => `${p.phone.slice(0, 3)}******${p.phone.slice(-2)}`));
    for (const person of PEOPLE) expect(JSON.stringify(released)).not.toContain(person.name);

    // A transfer above the synchronous limit runs in the background: while the KMS is stalled it
    // shows as running with its progress, then completes and its package downloads.
    harness().kms.signal('SIGSTOP');
    stalled = true;
    await page.getByLabel('Contract').selectOption(visitsContractId);
    await page.getByLabel('Purpose').fill('客流分析');
    await page.getByRole('button', { name: 'Request', exact: true }).click();
    const running = page.getByText(/^Transfer trf_[0-9a-f]{32} is running in the background/);
    await running.waitFor();
    const backgroundId = /trf_[0-9a-f]{32}/.exec((await running.textContent()) ?? '')![0];
    const row = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: backgroundId }) });
    await row.getByText('running', { exact: true }).waitFor();
    const progress = row.getByRole('progressbar', { name: `Progress ${backgroundId}` });
    expect(Number(await progress.getAttribute('value'))).toBeLessThan(1);
    await expect.poll(() => row.getByRole('button', { name: `Download package ${backgroundId}` }).isDisabled()).toBe(true);
    await expectAccessible(page, 'recipient-transfer-running');
    harness().kms.signal('SIGCONT');
    stalled = false;
    await page.getByText(`Transfer ${backgroundId} completed: 30 records`).waitFor();
    await row.getByText('completed', { exact: true }).waitFor();
    expect(await progress.getAttribute('value')).toBe('1');
    const [background] = await Promise.all([page.waitForEvent('download'), row.getByRole('button', { name: `Download package ${backgroundId}` }).click()]);
    expect((await openDownload(background, backgroundId)).map((line) => JSON.parse(line))).toEqual(VISITS.map((v) => ({ store: v.store })));

    // A background transfer that fails shows as failed, with the code it failed with.
    await harness().kms.stop('SIGKILL');
    try {
      await page.getByRole('button', { name: 'Request', exact: true }).click();
      const failed = page.getByText(/^Transfer trf_[0-9a-f]{32} failed: KMS_UNAVAILABLE: /);
      await failed.waitFor();
      const failedId = /trf_[0-9a-f]{32}/.exec((await failed.textContent()) ?? '')![0];
      const failedRow = page.getByRole('row').filter({ has: page.getByRole('rowheader', { name: failedId }) });
      await failedRow.getByText('failed', { exact: true }).waitFor();
      expect(await failedRow.getByRole('button', { name: `Download package ${failedId}` }).isDisabled()).toBe(true);
      await screenshot(page, 'recipient-transfer-failed');
    } finally {
      await harness().kms.start();
    }

    // A transfer requested in the page, followed to completion.
    await page.getByLabel('Contract').selectOption(contractId);
    await page.getByLabel('Purpose').fill('会员分析');
    await page.getByRole('button', { name: 'Request', exact: true }).click();
    await page.getByText(/Transfer trf_[0-9a-f]{32} completed: 4 records/).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });

  it('a regulator verifies a receipt in the page against pinned anchors and sees forged ones rejected', async () => {
    const { url, adminToken } = harness();
    // One prompt the owner sent to an overseas model: the flows show it as its own series.
    provider = await startModelProvider();
    const model = await registerParty(url, adminToken, { name: 'Model Co', kind: 'overseas', jurisdiction: 'US', endpoint: provider.url });
    const egress = await proposeContract(url, owner, { kind: 'ai_egress', recipientId: model.id, purposes: ['客服'], destination: { country: 'US', location: 'Oregon' } });
    await approveContract(url, owner, egress);
    const prompt = await api(url, 'POST', `/v1/egress/${egress.id}/chat/completions`, { token: owner.token, json: { model: 'm', purpose: '客服', messages: [{ role: 'user', content: `请回电 ${PEOPLE[0]!.phone}` }] } });
    expect(prompt.status, prompt.text).toBe(200);
    const { context, page, requests, problems } = await signedIn(regulator);
    await page.getByText(/尚未固定信任锚/).first().waitFor();
    await page.getByRole('button', { name: '信任锚', exact: true }).click();
    await page.getByRole('button', { name: /从本网关获取并固定/ }).click();
    await page.getByText('信任锚已固定。').waitFor();
    await expectAccessible(page, 'regulator-trust');

    await page.getByRole('button', { name: '回执', exact: true }).click();
    await page.getByRole('button', { name: `在浏览器中验证 ${transferId}` }).click();
    await page.getByText(/^有效：leaf \d+/).waitFor();
    // The page decided by itself: it never asked the gateway's verify route.
    expect(requests.some((r) => r.url.includes('/v1/ledger/verify'))).toBe(false);
    await screenshot(page, 'regulator-receipt-valid');

    const real = (await api(url, 'GET', `/v1/transfers/${transferId}/receipt`, { token: regulator.token })).body as { receipt: { data: Record<string, unknown> }; proof: unknown };
    const paste = async (body: unknown) => {
      await page.getByLabel('或粘贴回执 JSON').fill(JSON.stringify(body));
      await page.getByRole('button', { name: '验证粘贴的回执' }).click();
    };
    // An edited receipt: fewer records than were sent.
    await paste({ ...real, receipt: { ...real.receipt, data: { ...real.receipt.data, records: 1 } } });
    await page.getByText(/^无效：root mismatch/).waitFor();
    await screenshot(page, 'regulator-receipt-forged');

    // A forger's own ledger: the edited receipt with a proof that adds up, signed by a key the
    // regulator never pinned.
    const forgerDir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-forger-'));
    const forger = await openEmbeddedLedger({ dataDir: forgerDir });
    const forged = { ...real.receipt, data: { ...real.receipt.data, records: 1 } } as never;
    const proof = await forger.append(forged);
    await forger.close();
    await paste({ receipt: forged, proof });
    await page.getByText(/^无效：organization operator signed block 0 with a key the trust anchors do not list/).waitFor();
    await expectAccessible(page, 'regulator-receipts');

    for (const section of ['账本', '备案', '出境流量']) {
      await page.getByRole('button', { name: section, exact: true }).click();
      await page.getByRole('heading', { level: 2 }).first().waitFor();
      await page.waitForLoadState('networkidle');
      await expectAccessible(page, `regulator-${section}`);
    }
    await page.getByRole('img', { name: /^按目的地：SG/ }).waitFor();
    await page.getByText('合计：1 次调用，涉及 1 人').waitFor();
    await page.getByRole('img', { name: 'AI 出境调用 · 按目的地：US 1' }).waitFor();
    await page.getByRole('img', { name: 'AI 出境调用 · 按个人信息种类：手机号 1' }).waitFor();
    await screenshot(page, 'regulator-flows');
    expect(await page.content()).not.toContain(PEOPLE[0]!.phone);
    await page.getByRole('button', { name: '账本', exact: true }).click();
    await page.getByRole('button', { name: '检查一致性并记住新树头' }).click();
    await page.getByText(/首次记住树头/).waitFor();
    await api(url, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId, purpose: '会员分析' } });
    await page.getByRole('button', { name: '检查一致性并记住新树头' }).click();
    await page.getByText(/^一致：账本只增长/).waitFor();
    expect(problems).toEqual([]);
    await context.close();
  });
});
