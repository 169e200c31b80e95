import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519GenerateKeyPair } from '../crypto/index.ts';
import {
  openEmbeddedLedger,
  verifyConsistency,
  verifyProof,
  verifyTreeHead,
  type EmbeddedLedger,
  type EmbeddedProof,
  type FabricProof,
  type LedgerRecord,
  type TrustAnchors,
} from './index.ts';
import { tempDir } from '../test/support/files.ts';
import { receiptRecord } from '../test/support/ledger.ts';

const HEX = '0123456789abcdef';

/** Substitutes for one byte: bit flips, a case flip, and a different digit of the same kind. */
function substitutes(byte: number): number[] {
  const char = String.fromCharCode(byte);
  const out = new Set([byte ^ 0x01, byte ^ 0x02, byte ^ 0x20]);
  if (HEX.includes(char)) out.add(HEX.charCodeAt((HEX.indexOf(char) + 7) % 16));
  if (/[0-9]/.test(char)) out.add(48 + ((byte - 48 + 5) % 10));
  out.delete(byte);
  return [...out];
}

function verifiesEdited(bytes: Buffer, key: 'record' | 'receipt'): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString('utf8'));
  } catch {
    return false;
  }
  const body = parsed as Record<string, unknown>;
  if (typeof body !== 'object' || body === null || !(key in body)) return false;
  return verifyProof(body[key], body.proof).valid;
}

describe('offline verification', () => {
  const data = tempDir('sluice-ledger-');
  let ledger: EmbeddedLedger;
  let record: LedgerRecord;
  let proof: EmbeddedProof;

  beforeAll(async () => {
    const owner = ed25519GenerateKeyPair();
    ledger = await openEmbeddedLedger({
      dataDir: data,
      organizations: [{ org: 'owner', alg: 'Ed25519', publicKey: owner.publicKey, privateKey: owner.privateKey }],
    });
    // A tree of 11 leaves so the audit path mixes left and right siblings and a right edge.
    for (let n = 0; n < 11; n++) await ledger.append(receiptRecord(n));
    const anchored = (await ledger.get('rcpt-6'))!;
    record = anchored.record;
    proof = anchored.proof as EmbeddedProof;
  });

  afterAll(async () => {
    await ledger.close();
  });

  it('accepts the genuine receipt', () => {
    expect(proof.auditPath.length).toBeGreaterThanOrEqual(3);
    expect(verifyProof(record, proof)).toEqual({ valid: true });
    expect(verifyProof(record, proof, ledger.trustAnchors())).toEqual({ valid: true });
  });

  it('rejects every single-byte edit of a serialized {receipt, proof}', () => {
    const original = Buffer.from(JSON.stringify({ receipt: record, proof }));
    expect(verifiesEdited(original, 'receipt')).toBe(true);
    const accepted: string[] = [];
    let parsedEdits = 0;
    for (let i = 0; i < original.length; i++) {
      for (const substitute of substitutes(original[i]!)) {
        const edited = Buffer.from(original);
        edited[i] = substitute;
        try {
          JSON.parse(edited.toString('utf8'));
          parsedEdits++;
        } catch {
          // Broken JSON counts as rejected; verifiesEdited says so too.
        }
        if (verifiesEdited(edited, 'receipt')) {
          accepted.push(`${i}: ${original.subarray(Math.max(0, i - 12), i + 12).toString()} → ${String.fromCharCode(substitute)}`);
        }
      }
    }
    expect(accepted).toEqual([]);
    // Most edits must have produced valid JSON, or the loop would prove little.
    expect(parsedEdits).toBeGreaterThan(original.length);
  }, 300_000);

  it('hands Fabric proofs to the Fabric verifier', () => {
    const fixture = JSON.parse(fs.readFileSync(new URL('./fabric/testdata/endorsed-receipt.json', import.meta.url), 'utf8')) as {
      record: LedgerRecord;
      proof: FabricProof;
      trust: TrustAnchors;
    };
    expect(verifyProof(fixture.record, fixture.proof, fixture.trust)).toEqual({ valid: true });
    const edited = { ...fixture.record, data: { ...fixture.record.data, edited: true } };
    expect(verifyProof(edited, fixture.proof, fixture.trust)).toMatchObject({ valid: false });
    expect(verifyProof(fixture.record, { ...fixture.proof, payload: 42 })).toMatchObject({ valid: false });
  });

  it('explains what is wrong', () => {
    const reasonOf = (r: unknown, p: unknown) => verifyProof(r, p).reason;
    expect(reasonOf({ ...record, data: { ...record.data, records: 1 } }, proof)).toMatch(/root mismatch/);
    expect(reasonOf(record, { ...proof, leafIndex: proof.leafIndex + 1 })).toMatch(/root mismatch|does not fit/);
    expect(reasonOf(record, { ...proof, auditPath: proof.auditPath.slice(1) })).toMatch(/does not fit|root mismatch/);
    const timestamp = '2030-01-01T00:00:00.000Z';
    expect(reasonOf(record, { ...proof, treeHead: { ...proof.treeHead, timestamp } })).toMatch(/signature of operator/);
    expect(verifyProof(record, { ...proof, kind: 'fabric' }).valid).toBe(false);
    expect(reasonOf(record, { ...proof, kind: 'other' })).toBe('unknown proof kind');
    expect(reasonOf(record, null)).toBe('proof must be a JSON object');
    expect(reasonOf({ ...record, type: 'nope' }, proof)).toMatch(/record.type/);
    expect(reasonOf(record, { ...proof, extra: 1 })).toMatch(/exactly/);
    expect(verifyProof(record, proof, { orgs: { operator: [] } }).reason).toMatch(/non-empty list/);
  });

  it('checks signed tree heads and consistency between them on their own', async () => {
    const head = proof.treeHead;
    expect(verifyTreeHead(head)).toEqual({ valid: true });
    expect(verifyTreeHead({ ...head, treeSize: head.treeSize + 1 })).toMatchObject({ valid: false });
    expect(verifyTreeHead({ ...head, signatures: [] })).toMatchObject({ valid: false });
    const twice = [head.signatures[0]!, head.signatures[0]!];
    expect(verifyTreeHead({ ...head, signatures: twice }).reason).toMatch(/signed twice/);

    const first = (await ledger.treeHead(0))!;
    const consistency = await ledger.consistencyProof(first.treeSize, head.treeSize);
    expect(verifyConsistency(first, head, consistency)).toEqual({ valid: true });
    expect(verifyConsistency(first, head, consistency.slice(1))).toMatchObject({ valid: false });
    expect(verifyConsistency(first, head, ['XYZ'])).toMatchObject({ valid: false });
    expect(verifyConsistency(head, head, [])).toEqual({ valid: true });
    await expect(ledger.consistencyProof(0, 3)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(ledger.consistencyProof(3, head.treeSize + 1)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
