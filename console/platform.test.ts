import path from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import * as node from '../crypto/index.ts';
import { openEmbeddedLedger, verifyConsistency, verifyProof, type EmbeddedLedger, type TrustAnchors } from '../ledger/index.ts';
import { tempDir } from '../test/support/files.ts';
import { receiptRecord } from '../test/support/ledger.ts';
import { browserPlatform } from './build.ts';
import * as browser from './web/platform/crypto.ts';

/**
 * The page runs the server's own verifier and signing code over browser builds of a few
 * primitives. These tests hold those builds to the Node ones, and the bundled verifier (built
 * exactly as the page gets it) to ledger/verify.ts, on honest and forged inputs alike.
 */
describe('browser crypto against node:crypto', () => {
  it('SM3 matches the GB/T 32905 vector and the Node digest', () => {
    expect(browser.sm3Hex('abc')).toBe('66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0');
    const bytes = node.randomBytes(1000);
    expect(browser.sm3Hex(bytes)).toBe(node.sm3Hex(bytes));
    expect(browser.sm3(bytes)).toEqual(node.sm3(bytes));
  });

  it('SM2: same key spellings accepted and refused; each side verifies the other’s signatures', () => {
    const pair = node.sm2GenerateKeyPair();
    const compressed = (pair.publicKey.slice(-2).match(/[02468ace]$/) ? '02' : '03') + pair.publicKey.slice(2, 66);
    for (const spelling of [pair.publicKey, pair.publicKey.toUpperCase().replace(/^04/, '04'), compressed]) {
      expect(browser.normalizeSm2PublicKey(spelling)).toBe(node.normalizeSm2PublicKey(spelling));
    }
    const offCurve = '04' + '11'.repeat(64);
    expect(() => browser.normalizeSm2PublicKey(offCurve)).toThrow(/curve/);
    expect(() => node.normalizeSm2PublicKey(offCurve)).toThrow(/curve/);
    expect(browser.sm2PublicKeyFromPrivate(pair.privateKey)).toBe(pair.publicKey);
    const message = '{"contractId":"ctr_1","purposes":["分析"]}';
    const fromBrowser = browser.sm2Sign(message, pair.privateKey);
    expect(node.sm2Verify(message, fromBrowser, pair.publicKey)).toBe(true);
    expect(browser.sm2Verify(message, node.sm2Sign(message, pair.privateKey), pair.publicKey)).toBe(true);
    expect(browser.sm2Verify(message + ' ', fromBrowser, pair.publicKey)).toBe(false);
    expect(browser.sm2Verify(message, fromBrowser.slice(0, -2) + '00', pair.publicKey)).toBe(node.sm2Verify(message, fromBrowser.slice(0, -2) + '00', pair.publicKey));
  });

  it('Ed25519: the canonical key spelling and verification agree with Node', () => {
    const pair = node.ed25519GenerateKeyPair();
    const rewrapped = pair.publicKey.replace(/\n/g, '\r\n');
    expect(browser.ed25519CanonicalPublicKey(pair.publicKey)).toBe(node.ed25519CanonicalPublicKey(pair.publicKey));
    expect(browser.ed25519CanonicalPublicKey(rewrapped)).toBe(node.ed25519CanonicalPublicKey(rewrapped));
    const signature = node.ed25519Sign('head', pair.privateKey);
    expect(browser.ed25519Verify('head', signature, pair.publicKey)).toBe(true);
    expect(browser.ed25519Verify('heaD', signature, pair.publicKey)).toBe(false);
    expect(node.ed25519Verify('head', browser.ed25519Sign('head', pair.privateKey), pair.publicKey)).toBe(true);
  });
});

describe('the verifier bundled for the page', () => {
  const ledgers: EmbeddedLedger[] = [];
  afterAll(async () => {
    await Promise.all(ledgers.map((l) => l.close()));
  });

  async function pageVerifier(): Promise<typeof import('./web/verifier.ts')> {
    const result = await build({
      entryPoints: [path.join(import.meta.dirname, 'web/verifier.ts')],
      bundle: true,
      platform: 'neutral',
      mainFields: ['module', 'main'],
      format: 'esm',
      write: false,
      logLevel: 'silent',
      plugins: [browserPlatform],
    });
    const code = result.outputFiles[0]!.text;
    // Built as the page gets it: no Node built-in and no Buffer left in it.
    expect(code).not.toMatch(/from\s*"node:|require\("node:|\bBuffer\./);
    return (await import(`data:text/javascript;base64,${Buffer.from(code).toString('base64')}`)) as typeof import('./web/verifier.ts');
  }

  async function ledger(organizations: Parameters<typeof openEmbeddedLedger>[0]['organizations'] = []): Promise<EmbeddedLedger> {
    const opened = await openEmbeddedLedger({ dataDir: tempDir('sluice-ledger-'), organizations });
    ledgers.push(opened);
    return opened;
  }

  it('gives the same verdict as ledger/verify.ts on honest, edited and foreign proofs', async () => {
    const page = await pageVerifier();
    const witness = node.ed25519GenerateKeyPair();
    const real = await ledger([{ org: 'regulator', alg: 'Ed25519', publicKey: witness.publicKey, privateKey: witness.privateKey }]);
    const forger = await ledger();
    const trust: TrustAnchors = real.trustAnchors();
    const record = receiptRecord(1);
    await real.append(receiptRecord(0));
    const proof = await real.append(record);
    await real.append(receiptRecord(2));
    const edited = { ...record, data: { ...record.data, records: 1 } };
    const foreign = await forger.append(edited);
    const cases: Array<[string, unknown, unknown]> = [
      ['honest', record, proof],
      ['edited record', edited, proof],
      ['edited path', record, { ...proof, auditPath: [...proof.auditPath].reverse() }],
      ['other leaf index', record, { ...proof, leafIndex: proof.leafIndex + 1 }],
      ['foreign ledger', edited, foreign],
      ['signature dropped', record, { ...proof, treeHead: { ...proof.treeHead, signatures: proof.treeHead.signatures.slice(0, 1) } }],
    ];
    for (const [name, rec, prf] of cases) {
      const expected = verifyProof(rec, prf, trust);
      const got = page.verifyReceiptBody({ receipt: rec, proof: prf }, trust);
      expect({ name, valid: got.valid, reason: got.reason }).toEqual({ name, valid: expected.valid, reason: expected.reason });
    }
    expect(page.verifyReceiptBody({ receipt: record, proof }, trust).valid).toBe(true);
    expect(page.verifyReceiptBody({ receipt: edited, proof: foreign }, trust).valid).toBe(false);

    const old = proof.treeHead;
    const head = (await real.treeHead())!;
    const consistency = await real.consistencyProof(old.treeSize);
    expect(page.checkConsistency(old, head, consistency, trust)).toEqual(verifyConsistency(old, head, consistency, trust));
    expect(page.checkConsistency(old, head, consistency, trust).valid).toBe(true);
    const rewritten = (await forger.treeHead())!;
    expect(page.checkConsistency(old, rewritten, [], trust)).toEqual(verifyConsistency(old, rewritten, [], trust));
  });
});
