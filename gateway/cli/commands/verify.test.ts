import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { sm2GenerateKeyPair } from '../../../crypto/index.ts';
import { openEmbeddedLedger, type AnchoredRecord, type TrustAnchors } from '../../../ledger/index.ts';
import { runCliInProcess } from '../../../test/support/cli.ts';
import { tempDir } from '../../../test/support/files.ts';
import { receiptRecord } from '../../../test/support/ledger.ts';

const sluice = (cwd: string, ...args: string[]) => runCliInProcess(args, { cwd });

describe('sluice verify', () => {
  const data = tempDir('sluice-ledger-');
  let anchored: AnchoredRecord;
  let trust: TrustAnchors;
  const write = (name: string, value: unknown) => fs.writeFileSync(path.join(data, name), JSON.stringify(value));

  beforeAll(async () => {
    const ledger = await openEmbeddedLedger({ dataDir: data });
    for (let n = 0; n < 5; n++) await ledger.append(receiptRecord(n));
    anchored = (await ledger.get('rcpt-2'))!;
    trust = ledger.trustAnchors();
    await ledger.close();
  });


  it('accepts a genuine {receipt, proof} or {record, proof} against the --trust anchors, exit 0', async () => {
    write('receipt.json', { receipt: anchored.record, proof: anchored.proof });
    write('record.json', { record: anchored.record, proof: anchored.proof });
    write('trust.json', trust);
    for (const file of ['receipt.json', 'record.json']) {
      const result = await sluice(data, 'verify', file, '--trust', 'trust.json');
      expect(result.code, result.stdout + result.stderr).toBe(0);
      expect(result.stdout).toMatch(/^valid: embedded leaf 2 of tree size 5, block 4 .* signed by operator \(SM2\)\nanchors: the --trust file\n$/);
    }
  });

  it('never says valid on the keys carried in the proof: without anchors, exit 3 (unverifiable)', async () => {
    write('receipt.json', { receipt: anchored.record, proof: anchored.proof });
    const plain = await sluice(data, 'verify', 'receipt.json');
    expect(plain.code).toBe(3);
    expect(plain.stdout).toMatch(/^unverifiable: no trust anchors given or pinned/);
    expect(plain.stdout).not.toMatch(/^valid/m);
    // An empty pinned store is no anchor either; an internally broken proof is still invalid.
    const store = path.join(data, 'empty-store.json');
    expect((await runCliInProcess(['verify', 'receipt.json'], { cwd: data, env: { SLUICE_TRUST_STORE: store } })).code).toBe(3);
    write('edited-no-trust.json', { receipt: { ...anchored.record, data: { ...anchored.record.data, records: 1 } }, proof: anchored.proof });
    expect((await sluice(data, 'verify', 'edited-no-trust.json')).code).toBe(1);
  });

  it('uses the anchors pinned in the store by default, and says which', async () => {
    write('receipt.json', { receipt: anchored.record, proof: anchored.proof });
    const store = path.join(data, 'pinned.json');
    const pin = (anchors: unknown) =>
      fs.writeFileSync(store, JSON.stringify({ format: 'sluice.pinned-anchors.v1', gateways: { 'https://gw.example': { pinnedAt: '2026-05-01T00:00:00.000Z', anchors } } }));
    const env = { SLUICE_TRUST_STORE: store };
    pin(trust);
    const valid = await runCliInProcess(['verify', 'receipt.json'], { cwd: data, env });
    expect(valid.code, valid.stdout).toBe(0);
    expect(valid.stdout).toMatch(/anchors: pinned from https:\/\/gw\.example at 2026-05-01/);
    pin({ orgs: { operator: [sm2GenerateKeyPair().publicKey] } });
    const other = await runCliInProcess(['verify', 'receipt.json'], { cwd: data, env });
    expect(other).toMatchObject({ code: 1, stdout: expect.stringMatching(/^invalid: .*key the trust anchors do not list.*pinned from https:\/\/gw\.example/) });
    fs.writeFileSync(store, '{"format": "sluice.pinned-anchors.v1", "gateways": {"x": {}}}');
    expect((await runCliInProcess(['verify', 'receipt.json'], { cwd: data, env })).code).toBe(2);
  });

  it('verifies a Fabric receipt with the same command', async () => {
    const fixture = new URL('../../../ledger/fabric/testdata/endorsed-receipt.json', import.meta.url);
    const { record, proof, trust: fabricTrust } = JSON.parse(fs.readFileSync(fixture, 'utf8')) as Record<string, unknown>;
    write('fabric.json', { record, proof });
    write('fabric-trust.json', fabricTrust);
    const result = await sluice(data, 'verify', 'fabric.json', '--trust', 'fabric-trust.json');
    expect(result).toMatchObject({ code: 0, stdout: expect.stringMatching(/^valid: fabric transaction .* endorsed by OperatorMSP, RegulatorMSP/) });
  });

  it('rejects an edited receipt with the reason, exit 1', async () => {
    write('edited.json', { receipt: { ...anchored.record, data: { ...anchored.record.data, records: 1 } }, proof: anchored.proof });
    const edited = await sluice(data, 'verify', 'edited.json', '--trust', 'trust.json');
    expect(edited).toMatchObject({ code: 1, stdout: expect.stringMatching(/^invalid: root mismatch/) });

    write('stranger.json', { orgs: { operator: ['04' + 'ab'.repeat(64)] } });
    const untrusted = await sluice(data, 'verify', 'receipt.json', '--trust', 'stranger.json');
    expect(untrusted).toMatchObject({ code: 1, stdout: expect.stringMatching(/^invalid: .*key the trust anchors do not list/) });

    fs.writeFileSync(path.join(data, 'broken.json'), '{"receipt": ');
    expect(await sluice(data, 'verify', 'broken.json', '--trust', 'trust.json')).toMatchObject({ code: 1, stdout: 'invalid: RECEIPT_FILE is not a JSON object\n' });
    write('extra.json', { receipt: anchored.record, proof: anchored.proof, note: 'x' });
    expect((await sluice(data, 'verify', 'extra.json', '--trust', 'trust.json')).code).toBe(1);
  });

  it('treats bad invocations as usage errors, exit 2', async () => {
    expect((await sluice(data, 'verify')).code).toBe(2);
    expect((await sluice(data, 'verify', 'missing.json')).code).toBe(2);
    expect((await sluice(data, 'verify', 'receipt.json', '--bogus')).code).toBe(2);
  });
});
