import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isSluiceError } from '../common/errors.ts';
import { ed25519GenerateKeyPair, sm2GenerateKeyPair, sm2Sign } from '../crypto/index.ts';
import {
  openEmbeddedLedger,
  verifyConsistency,
  verifyProof,
  type EmbeddedLedger,
  type EmbeddedLedgerOptions,
  type LedgerRecord,
} from './index.ts';
import { tempDir } from '../test/support/files.ts';
import { receiptRecord } from '../test/support/ledger.ts';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

async function open(options: Partial<EmbeddedLedgerOptions> = {}): Promise<{ ledger: EmbeddedLedger; dir: string }> {
  const dir = options.dataDir ?? tempDir('sluice-ledger-');
  const ledger = await openEmbeddedLedger({ ...options, dataDir: dir });
  cleanups.push(() => ledger.close());
  return { ledger, dir };
}

async function rejection(promise: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await promise;
  } catch (error) {
    if (isSluiceError(error)) return { code: error.code, message: error.message };
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('embedded ledger', () => {
  it('anchors a record and proves it, on append and on get', async () => {
    const { ledger } = await open();
    const record = receiptRecord(1);
    const proof = await ledger.append(record);
    expect(proof).toMatchObject({ kind: 'embedded', leafIndex: 0, auditPath: [] });
    expect(proof.treeHead).toMatchObject({ treeSize: 1, blockHeight: 0, previousBlockHash: '0'.repeat(64) });
    expect(verifyProof(record, proof)).toEqual({ valid: true });

    await ledger.append(receiptRecord(2));
    const anchored = await ledger.get(record.id);
    expect(anchored?.record).toEqual(record);
    expect(anchored?.proof.kind === 'embedded' && anchored.proof.treeHead.treeSize).toBe(2);
    expect(verifyProof(anchored!.record, anchored!.proof)).toEqual({ valid: true });
    expect(await ledger.get('rcpt-unknown')).toBeUndefined();
  });

  it('is idempotent by record id and refuses a different record under a used id', async () => {
    const { ledger } = await open();
    const first = await ledger.append(receiptRecord(1));
    const again = await ledger.append(receiptRecord(1));
    expect(again.leafIndex).toBe(first.leafIndex);
    expect((await ledger.treeHead())?.treeSize).toBe(1);

    const changed = receiptRecord(1, { records: 9999 });
    expect(await rejection(ledger.append(changed))).toMatchObject({ code: 'CONFLICT' });

    // Duplicates inside one batch share one leaf; a conflicting one in the same batch is refused.
    const [a, b] = await Promise.all([ledger.append(receiptRecord(2)), ledger.append(receiptRecord(2))]);
    expect(a.leafIndex).toBe(b.leafIndex);
    const pending = ledger.append(receiptRecord(3));
    expect(await rejection(ledger.append(receiptRecord(3, { subjects: 1 })))).toMatchObject({ code: 'CONFLICT' });
    await pending;
    expect((await ledger.treeHead())?.treeSize).toBe(3);
  });

  it('validates record shape without echoing values', async () => {
    const { ledger } = await open();
    const secretish = 'value-that-must-not-leak';
    const bad: unknown[] = [
      { ...receiptRecord(1), type: 'transfer.unknown' },
      { ...receiptRecord(1), timestamp: '2026-02-30T00:00:00Z' },
      { ...receiptRecord(1), timestamp: '2026-05-01 08:30:00' },
      { ...receiptRecord(1), id: '' },
      { ...receiptRecord(1), extra: secretish },
      { ...receiptRecord(1), data: { ratio: Number.NaN, note: secretish } },
      { ...receiptRecord(1), data: { when: new Date(), note: secretish } },
      { ...receiptRecord(1), data: [secretish] },
      { ...receiptRecord(1), contractId: 7 },
    ];
    for (const record of bad) {
      const error = await rejection(ledger.append(record as LedgerRecord));
      expect(error.code).toBe('VALIDATION_FAILED');
      expect(error.message).not.toContain(secretish);
    }
    const huge = receiptRecord(1, { blob: 'x'.repeat(70_000) });
    expect(await rejection(ledger.append(huge))).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    expect(await ledger.treeHead()).toBeUndefined();
  });

  it('groups 1000 concurrent appends into one block, and into one block per batch when batches are smaller', async () => {
    const { ledger } = await open();
    const records = Array.from({ length: 1000 }, (_, i) => receiptRecord(i));
    const proofs = await Promise.all(records.map((r) => ledger.append(r)));
    expect(new Set(proofs.map((p) => p.treeHead.blockHeight))).toEqual(new Set([0]));
    expect(new Set(proofs.map((p) => p.leafIndex)).size).toBe(1000);
    proofs.forEach((proof, i) => expect(verifyProof(records[i], proof)).toEqual({ valid: true }));

    const small = (await open({ batch: { maxRecords: 100, maxDelayMs: 50 } })).ledger;
    const smallProofs = await Promise.all(records.map((r) => small.append(r)));
    const perBlock = new Map<number, number>();
    for (const p of smallProofs) perBlock.set(p.treeHead.blockHeight, (perBlock.get(p.treeHead.blockHeight) ?? 0) + 1);
    expect([...perBlock.entries()].sort((x, y) => x[0] - y[0])).toEqual(Array.from({ length: 10 }, (_, h) => [h, 100]));
    smallProofs.forEach((proof, i) => expect(verifyProof(records[i], proof)).toEqual({ valid: true }));
  });

  it('survives a restart: old proofs verify, heights continue, history stays consistent', async () => {
    const dir = tempDir('sluice-ledger-');
    const before = await openEmbeddedLedger({ dataDir: dir });
    const early = await Promise.all([1, 2, 3].map((n) => before.append(receiptRecord(n))));
    const late = await before.append(receiptRecord(4));
    const oldHead = (await before.treeHead())!;
    await before.close();

    const after = await openEmbeddedLedger({ dataDir: dir });
    cleanups.push(() => after.close());
    const next = await after.append(receiptRecord(5));
    expect(next.treeHead.blockHeight).toBe(oldHead.blockHeight + 1);
    expect(next.treeHead.signatures[0]!.publicKey).toBe(oldHead.signatures[0]!.publicKey);
    expect(next.leafIndex).toBe(4);
    early.forEach((proof, i) => expect(verifyProof(receiptRecord(i + 1), proof)).toEqual({ valid: true }));
    expect(verifyProof(receiptRecord(4), late)).toEqual({ valid: true });
    for (const n of [1, 2, 3, 4, 5]) {
      const anchored = (await after.get(`rcpt-${n}`))!;
      expect(verifyProof(anchored.record, anchored.proof)).toEqual({ valid: true });
    }
    const proof = await after.consistencyProof(oldHead.treeSize);
    expect(verifyConsistency(oldHead, next.treeHead, proof)).toEqual({ valid: true });
    expect(await after.treeHead(oldHead.blockHeight)).toEqual(oldHead);
  });

  it('keeps the operator private key in a 0600 file and reuses it', async () => {
    const { ledger, dir } = await open();
    await ledger.append(receiptRecord(1));
    const file = path.join(dir, 'ledger', 'operator-key.json');
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    const key = JSON.parse(fs.readFileSync(file, 'utf8')) as { publicKey: string };
    expect(ledger.trustAnchors()).toEqual({
      format: 'sluice.trust.v1',
      ledger: 'embedded',
      orgs: { operator: [key.publicKey] },
      keys: [{ org: 'operator', role: 'operator', alg: 'SM2', key: key.publicKey, fingerprint: expect.stringMatching(/^SHA256:[A-Za-z0-9+/]{43}$/) }],
    });
  });

  it('consistency proofs expose a rebuilt history', async () => {
    const original = await open();
    const records = Array.from({ length: 20 }, (_, i) => receiptRecord(i));
    for (const r of records.slice(0, 10)) await original.ledger.append(r);
    const oldHead = (await original.ledger.treeHead())!;
    for (const r of records.slice(10)) await original.ledger.append(r);
    const honestHead = (await original.ledger.treeHead())!;
    const honest = await original.ledger.consistencyProof(oldHead.treeSize);
    expect(verifyConsistency(oldHead, honestHead, honest)).toEqual({ valid: true });

    // The operator rebuilds the ledger with its own key and one old record changed.
    const dir = tempDir('sluice-ledger-');
    fs.mkdirSync(path.join(dir, 'ledger'), { recursive: true });
    fs.copyFileSync(path.join(original.dir, 'ledger', 'operator-key.json'), path.join(dir, 'ledger', 'operator-key.json'));
    const forged = await open({ dataDir: dir });
    const rewritten = records.map((r, i) => (i === 3 ? receiptRecord(3, { records: 1 }) : r));
    for (const r of rewritten) await forged.ledger.append(r);
    const forgedHead = (await forged.ledger.treeHead())!;
    const forgedProof = await forged.ledger.consistencyProof(oldHead.treeSize, forgedHead.treeSize);
    expect(verifyConsistency(oldHead, forgedHead, forgedProof)).toMatchObject({ valid: false });
    expect(verifyConsistency(oldHead, forgedHead, honest)).toMatchObject({ valid: false });
    expect(verifyConsistency(oldHead, honestHead, forgedProof)).toMatchObject({ valid: false });
    expect(verifyConsistency(honestHead, oldHead, honest)).toMatchObject({ valid: false });
  });

  it('has every configured organization co-sign each head, and trust anchors pin them', async () => {
    const regulator = sm2GenerateKeyPair();
    const owner = ed25519GenerateKeyPair();
    const witness = sm2GenerateKeyPair();
    const { ledger } = await open({
      organizations: [
        { org: 'regulator', alg: 'SM2', publicKey: regulator.publicKey, privateKey: regulator.privateKey },
        { org: 'owner', alg: 'Ed25519', publicKey: owner.publicKey, privateKey: owner.privateKey },
        { org: 'witness', alg: 'SM2', publicKey: witness.publicKey, sign: async (statement) => sm2Sign(statement, witness.privateKey) },
      ],
    });
    const record = receiptRecord(1);
    const proof = await ledger.append(record);
    expect(proof.treeHead.signatures.map((s) => s.org)).toEqual(['operator', 'regulator', 'owner', 'witness']);
    const trust = ledger.trustAnchors();
    expect(verifyProof(record, proof, trust)).toEqual({ valid: true });
    expect(verifyProof(record, proof, { orgs: { regulator: [regulator.publicKey.toUpperCase()] } })).toEqual({ valid: true });

    const stranger = sm2GenerateKeyPair();
    expect(verifyProof(record, proof, { orgs: { regulator: [stranger.publicKey] } })).toMatchObject({ valid: false });
    expect(verifyProof(record, proof, { orgs: { auditor: [stranger.publicKey] } })).toMatchObject({ valid: false });
    const unsigned = { ...proof, treeHead: { ...proof.treeHead, signatures: proof.treeHead.signatures.slice(0, 1) } };
    expect(verifyProof(record, unsigned)).toEqual({ valid: true });
    expect(verifyProof(record, unsigned, trust)).toMatchObject({ valid: false, reason: expect.stringContaining('regulator') });
  });

  it('commits nothing when a co-signer returns a bad signature', async () => {
    const witness = sm2GenerateKeyPair();
    const other = sm2GenerateKeyPair();
    const { ledger } = await open({
      organizations: [{ org: 'witness', alg: 'SM2', publicKey: witness.publicKey, sign: (statement) => sm2Sign(statement, other.privateKey) }],
    });
    expect(await rejection(ledger.append(receiptRecord(1)))).toMatchObject({ code: 'SIGNATURE_INVALID' });
    expect(await ledger.treeHead()).toBeUndefined();
    expect(await ledger.get('rcpt-1')).toBeUndefined();
  });

  it('refuses mismatched co-signer keys and appends after close', async () => {
    const a = sm2GenerateKeyPair();
    const b = sm2GenerateKeyPair();
    const dir = tempDir('sluice-ledger-');
    await expect(
      openEmbeddedLedger({ dataDir: dir, organizations: [{ org: 'regulator', alg: 'SM2', publicKey: a.publicKey, privateKey: b.privateKey }] }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(
      openEmbeddedLedger({ dataDir: dir, organizations: [{ org: 'operator', alg: 'SM2', publicKey: a.publicKey, privateKey: a.privateKey }] }),
    ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const ledger = await openEmbeddedLedger({ dataDir: dir });
    const pending = ledger.append(receiptRecord(1));
    await ledger.close();
    expect(verifyProof(receiptRecord(1), await pending)).toEqual({ valid: true });
    await expect(ledger.append(receiptRecord(2))).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
