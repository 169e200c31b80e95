import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sm2GenerateKeyPair, sm2Sign } from '../crypto/index.ts';
import { tempDir } from '../test/support/files.ts';
import { receiptRecord } from '../test/support/ledger.ts';
import { auditLedger } from './audit.ts';
import { openEmbeddedLedger } from './embedded.ts';
import { rotateEmbeddedOperatorKey } from './operator-key.ts';
import { headStatement } from './tree-head.ts';
import { anchorFingerprint, trustAnchorsProblem } from './trust.ts';
import type { EmbeddedProof, SignedTreeHead } from './types.ts';
import { verifyProof } from './verify.ts';

const cleanups: (() => void)[] = [];
afterEach(() => cleanups.splice(0).forEach((c) => c()));

function dataDir(): string {
  return tempDir('sluice-ledger-');
}

/** A head of `height` over `record` alone, signed as `org` with `privateKey`: what a holder of a key can forge. */
function signedOneLeafHead(proof: EmbeddedProof, height: number, org: string, key: { privateKey: string; publicKey: string }): EmbeddedProof {
  const head = { ...proof.treeHead, blockHeight: height, previousBlockHash: height === 0 ? '0'.repeat(64) : 'ab'.repeat(32) };
  const signature = sm2Sign(headStatement(head, org), key.privateKey);
  const treeHead: SignedTreeHead = { ...head, signatures: [{ org, alg: 'SM2', publicKey: key.publicKey, signature }] };
  return { ...proof, treeHead };
}

describe('operator key rotation', () => {
  it('keeps heads signed before a rotation verifiable, and refuses the retired key on later blocks', async () => {
    const dir = dataDir();
    const first = await openEmbeddedLedger({ dataDir: dir, batch: { maxDelayMs: 0 } });
    const early = receiptRecord(1);
    const earlyProof = await first.append(early);
    await first.append(receiptRecord(2));
    const oldKeyFile = JSON.parse(fs.readFileSync(path.join(dir, 'ledger', 'operator-key.json'), 'utf8')) as { privateKey: string; publicKey: string };
    await first.close();

    const rotated = await rotateEmbeddedOperatorKey(dir);
    expect(rotated).toMatchObject({ previous: oldKeyFile.publicKey, fromBlock: 2 });
    const keyFile = JSON.parse(fs.readFileSync(path.join(dir, 'ledger', 'operator-key.json'), 'utf8')) as Record<string, unknown>;
    expect(JSON.stringify(keyFile)).not.toContain(oldKeyFile.privateKey);
    expect(fs.statSync(path.join(dir, 'ledger', 'operator-key.json')).mode & 0o777).toBe(0o600);

    const second = await openEmbeddedLedger({ dataDir: dir, batch: { maxDelayMs: 0 } });
    cleanups.push(() => void second.close());
    const late = receiptRecord(3);
    const lateProof = await second.append(late);
    expect(lateProof.treeHead.blockHeight).toBe(2);
    expect(lateProof.treeHead.signatures[0]!.publicKey).toBe(rotated.current);

    const trust = second.trustAnchors();
    expect(trustAnchorsProblem(trust)).toBeUndefined();
    expect(trust.orgs.operator!.sort()).toEqual([rotated.previous, rotated.current].sort());
    expect(trust.keys).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: rotated.previous, role: 'operator', fromBlock: 0, untilBlock: 1 }),
        expect.objectContaining({ key: rotated.current, role: 'operator', fromBlock: 2 }),
      ]),
    );
    expect(verifyProof(early, earlyProof, trust)).toEqual({ valid: true });
    expect(verifyProof(late, lateProof, trust)).toEqual({ valid: true });
    // The proof the ledger gives now for the early record is against the latest head: new key.
    const reproved = (await second.get(early.id))!;
    expect(verifyProof(reproved.record, reproved.proof, trust)).toEqual({ valid: true });

    // Whoever kept the retired private key cannot sign a head the anchors accept after block 1…
    const forgedLate = signedOneLeafHead(lateProof, 5, 'operator', oldKeyFile);
    expect(verifyProof(late, forgedLate).valid).toBe(true);
    expect(verifyProof(late, forgedLate, trust)).toMatchObject({ valid: false, reason: expect.stringMatching(/not list for that block/) });
    // …and the new key is not accepted for blocks before its own.
    const newKey = { publicKey: rotated.current, privateKey: (keyFile as { privateKey: string }).privateKey };
    expect(verifyProof(early, signedOneLeafHead(earlyProof, 0, 'operator', newKey), trust)).toMatchObject({ valid: false });

    const audit = await auditLedger(dir);
    expect(audit).toMatchObject({ clean: true, blocks: 3, records: 3 });
  });

  it('replaces a key that signed nothing without listing it', async () => {
    const dir = dataDir();
    const ledger = await openEmbeddedLedger({ dataDir: dir });
    await ledger.close();
    const rotated = await rotateEmbeddedOperatorKey(dir);
    expect(rotated.fromBlock).toBe(0);
    const reopened = await openEmbeddedLedger({ dataDir: dir });
    cleanups.push(() => void reopened.close());
    expect(reopened.trustAnchors().orgs).toEqual({ operator: [rotated.current] });
  });
});

describe('trust documents', () => {
  it('refuses documents that would require no signature, or give impossible validity', () => {
    expect(trustAnchorsProblem({ orgs: {} })).toMatch(/no organization/);
    const key = sm2GenerateKeyPair().publicKey;
    expect(trustAnchorsProblem({ orgs: { operator: [key] }, extra: 1 })).toBeDefined();
    expect(trustAnchorsProblem({ orgs: { operator: [key] }, format: 'other' })).toBeDefined();
    expect(trustAnchorsProblem({ orgs: { operator: [key] }, keys: [{ org: 'operator', key: sm2GenerateKeyPair().publicKey }] })).toMatch(/listed keys/);
    expect(trustAnchorsProblem({ orgs: { operator: [key] }, keys: [{ org: 'operator', key, fromBlock: 4, untilBlock: 2 }] })).toMatch(/before/);
    expect(trustAnchorsProblem({ orgs: { operator: [key] }, keys: [{ org: 'operator', key, fromBlock: -1 }] })).toBeDefined();
    expect(trustAnchorsProblem({ orgs: { operator: [key] }, keys: [{ org: 'operator', key, fromBlock: 0, untilBlock: 9 }] })).toBeUndefined();
  });

  it('fingerprints an SM2 key over its 65-byte point, whatever its spelling', () => {
    const { publicKey } = sm2GenerateKeyPair();
    const expected = `SHA256:${createHash('sha256').update(Buffer.from(publicKey, 'hex')).digest('base64').replace(/=+$/, '')}`;
    expect(anchorFingerprint(publicKey)).toBe(expected);
    expect(anchorFingerprint(publicKey.toUpperCase())).toBe(expected);
    expect(anchorFingerprint('not a key')).toBeUndefined();
  });
});
