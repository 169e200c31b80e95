import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ed25519GenerateKeyPair, sm2GenerateKeyPair } from '../crypto/index.ts';
import { openLedger } from './open.ts';
import { verifyProof } from './verify.ts';
import type { EmbeddedProof } from './types.ts';

describe('co-signers from SLUICE_LEDGER_COSIGNERS', () => {
  it('has every listed organization sign each tree head, and pins them as trust anchors', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cosign-'));
    const regulator = sm2GenerateKeyPair();
    const owner = ed25519GenerateKeyPair();
    fs.writeFileSync(path.join(dir, 'regulator.json'), JSON.stringify({ alg: 'sm2', ...regulator }));
    fs.writeFileSync(path.join(dir, 'owner.json'), JSON.stringify({ alg: 'ed25519', privateKey: owner.privateKey, publicKey: owner.publicKey }));
    const file = path.join(dir, 'cosigners.json');
    fs.writeFileSync(file, JSON.stringify([{ org: 'regulator', keyFile: 'regulator.json' }, { org: 'owner-bank', keyFile: 'owner.json' }]));
    const ledger = await openLedger({ dataDir: path.join(dir, 'data'), ledger: 'embedded' }, undefined, { SLUICE_LEDGER_COSIGNERS: file });
    try {
      const record = { id: 'rec-1', type: 'audit.event' as const, timestamp: new Date().toISOString(), data: { event: 'test' } };
      const proof = (await ledger.append(record)) as EmbeddedProof;
      expect(proof.treeHead.signatures.map((s) => s.org).sort()).toEqual(['operator', 'owner-bank', 'regulator']);
      expect(verifyProof(record, proof, { orgs: { regulator: [regulator.publicKey] } })).toEqual({ valid: true });
      const otherKey = sm2GenerateKeyPair().publicKey;
      expect(verifyProof(record, proof, { orgs: { regulator: [otherKey] } }).valid).toBe(false);
    } finally {
      await ledger.close();
    }
  });

  it('refuses a co-signer file that does not hold usable keys', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-cosign-'));
    const file = path.join(dir, 'cosigners.json');
    fs.writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ alg: 'rsa', privateKey: 'x', publicKey: 'y' }));
    fs.writeFileSync(file, JSON.stringify([{ org: 'regulator', keyFile: 'bad.json' }]));
    await expect(openLedger({ dataDir: path.join(dir, 'data'), ledger: 'embedded' }, undefined, { SLUICE_LEDGER_COSIGNERS: file })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });
});
