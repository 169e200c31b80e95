import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { sm2GenerateKeyPair } from '../../../crypto/index.ts';
import { UsageError, writeLine, type CliIO, type Command } from '../command.ts';
import { GatewayClient } from '../gateway-client.ts';

const SURNAMES = ['张', '王', '李', '赵', '陈', '刘', '杨', '黄', '周', '吴'];
const GIVEN = ['伟', '芳', '娜', '敏', '静', '磊', '洋', '艳', '勇', '军', '杰', '娟'];
const CITIES = ['上海', '北京', '深圳', '杭州', '成都', '南京'];

/** Made-up members (deterministic, never real people): names, mobile numbers, ages, cities, spend. */
function members(count: number): Array<Record<string, string | number>> {
  return Array.from({ length: count }, (_, i) => ({
    member_id: `M${String(100001 + i)}`,
    name: `${SURNAMES[i % SURNAMES.length]}${GIVEN[(i * 7) % GIVEN.length]}${i % 3 === 0 ? GIVEN[(i * 5) % GIVEN.length] : ''}`,
    phone: `13${String(800000000 + ((i * 7919) % 100000000)).padStart(9, '0')}`,
    age: 20 + ((i * 37) % 50),
    city: CITIES[(i * 3) % CITIES.length]!,
    spend: 100 + ((i * 4271) % 9000),
  }));
}

/** `sluice demo`: example parties, a dataset and a contract on a running stack, and what to do next. */
const demo: Command = {
  summary: 'seed a running stack with example parties, a dataset and a contract; print what to open and type next',
  usage: 'sluice demo [--gateway URL] [--admin-token T] [--out DIR]',
  async run(args, io) {
    const values = parse(args);
    const url = (values.gateway ?? io.env.SLUICE_URL ?? `http://127.0.0.1:${io.env.SLUICE_PORT ?? '8080'}`).replace(/\/+$/, '');
    const adminToken = values['admin-token'] ?? io.env.SLUICE_ADMIN_TOKEN;
    if (!adminToken) throw new UsageError('give --admin-token T or set SLUICE_ADMIN_TOKEN (the admin token `npm start` printed at first start)');
    const dir = freshDirectory(path.resolve(io.cwd, values.out ?? 'sluice-demo'));
    const admin = new GatewayClient(url, adminToken);

    const keys = { owner: sm2GenerateKeyPair(), recipient: sm2GenerateKeyPair() };
    const party = async (body: Record<string, unknown>) => (await admin.post<{ id: string; token: string }>('/v1/parties', body)).body;
    const owner = await party({ name: '上海示例会员服务有限公司', kind: 'domestic', jurisdiction: 'CN', publicKey: keys.owner.publicKey, contact: 'dpo@example.cn' });
    const recipient = await party({ name: 'Example Analytics Pte Ltd', kind: 'overseas', jurisdiction: 'SG', publicKey: keys.recipient.publicKey, contact: 'privacy@example.sg' });
    const regulator = await party({ name: '示例网信部门', kind: 'regulator', jurisdiction: 'CN' });

    const asOwner = new GatewayClient(url, owner.token);
    const dataset = (
      await asOwner.post<{ id: string }>('/v1/datasets', {
        name: '会员名单（示例）',
        fields: [
          { name: 'member_id', type: 'string', category: 'personal', subject: true },
          { name: 'name', type: 'string' },
          { name: 'phone', type: 'string' },
          { name: 'age', type: 'number', category: 'personal' },
          { name: 'city', type: 'string', category: 'general' },
          { name: 'spend', type: 'number', category: 'general' },
        ],
      })
    ).body;
    await asOwner.post(`/v1/datasets/${dataset.id}/records`, members(200));
    const year = new Date().getUTCFullYear();
    await asOwner.post('/v1/compliance/filings', { mechanism: 'standard_contract', reference: `SC-DEMO-${owner.id.slice(4, 12)}`, validFrom: `${year}-01-01`, validUntil: `${year + 2}-12-31` });
    const contract = (
      await asOwner.post<{ id: string }>('/v1/contracts', {
        datasetId: dataset.id,
        recipientId: recipient.id,
        purposes: ['membership analytics'],
        legalBasis: 'contract',
        fields: {
          member_id: { transform: 'hash' },
          name: { transform: 'simulate', type: 'name' },
          phone: { transform: 'mask', keepStart: 3, keepEnd: 2 },
          age: { transform: 'generalize', step: 10 },
          city: { transform: 'keep' },
          spend: { transform: 'aggregate' },
        },
        validUntil: `${year + 1}-12-31`,
        retentionDays: 180,
        onwardTransfer: false,
        destination: { country: 'SG', location: 'Singapore' },
      })
    ).body;

    const write = (name: string, value: unknown) => fs.writeFileSync(path.join(dir, name), JSON.stringify(value, null, 2) + '\n', { mode: 0o600, flag: 'wx' });
    write('owner.key.json', { alg: 'sm2', ...keys.owner });
    write('recipient.key.json', { alg: 'sm2', ...keys.recipient });
    write('tokens.json', { gateway: url, owner: owner.token, recipient: recipient.token, regulator: regulator.token });
    write('ids.json', { owner: owner.id, recipient: recipient.id, regulator: regulator.id, dataset: dataset.id, contract: contract.id });
    printNextSteps(io, { url, dir, contract: contract.id, tokens: { owner: owner.token, recipient: recipient.token, regulator: regulator.token } });
    return 0;
  },
};

export default demo;

function parse(args: string[]) {
  try {
    return parseArgs({ args, options: { gateway: { type: 'string' }, 'admin-token': { type: 'string' }, out: { type: 'string' } }, strict: true }).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** DIR, or DIR-2, DIR-3 … if it is taken: a demo never overwrites keys of an earlier one. */
function freshDirectory(base: string): string {
  for (let n = 1; ; n++) {
    const dir = n === 1 ? base : `${base}-${n}`;
    try {
      fs.mkdirSync(dir, { recursive: false, mode: 0o700 });
      return dir;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
}

function printNextSteps(io: CliIO, s: { url: string; dir: string; contract: string; tokens: Record<'owner' | 'recipient' | 'regulator', string> }): void {
  const rel = (name: string) => path.relative(io.cwd, path.join(s.dir, name)) || name;
  writeLine(
    io.stdout,
    `Sluice demo ready. Keys and tokens are in ${rel('')} (readable by you only).

Open ${s.url}/console and sign in with a token:

1. The data owner (上海示例会员服务有限公司) — token:
     ${s.tokens.owner}
   Contracts → open ${s.contract}: read what leaves and how, the legal mechanism, the
   re-identification risk; then "签署并批准 / Sign and approve" with the key file ${rel('owner.key.json')}.
   Or from the terminal:
     sluice contract show ${s.contract} --gateway ${s.url} --token ${s.tokens.owner}
     sluice contract approve ${s.contract} --key ${rel('owner.key.json')} --gateway ${s.url} --token ${s.tokens.owner}

2. The recipient (Example Analytics Pte Ltd) — token:
     ${s.tokens.recipient}
   Transfers → request one for "membership analytics", then download the package. Or:
     sluice transfer ${s.contract} --purpose "membership analytics" --out demo-package.json --gateway ${s.url} --token ${s.tokens.recipient}
     sluice open demo-package.json --key ${rel('recipient.key.json')}

3. The regulator (示例网信部门) — token:
     ${s.tokens.regulator}
   Trust anchors → pin; Receipts → verify the transfer's receipt in the browser; Outbound flows.

docs/QUICKSTART.md walks through all three.`,
  );
}
