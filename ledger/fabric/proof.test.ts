import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FabricProof, LedgerRecord, TrustAnchors } from '../types.ts';
import { verifyFabricProof } from './index.ts';

/**
 * A real proof, captured once from the local network (`startNetwork`, then `FabricLedger.append`
 * of this record by the operator's client), so the offline verifier is tested on what Fabric
 * actually produces even where no network can run.
 */
const fixture = JSON.parse(fs.readFileSync(new URL('./testdata/endorsed-receipt.json', import.meta.url), 'utf8')) as {
  record: LedgerRecord;
  proof: FabricProof;
  trust: TrustAnchors;
};
const { record, proof, trust } = fixture;
const operatorCa = trust.orgs.OperatorMSP ?? [];
const regulatorCa = trust.orgs.RegulatorMSP ?? [];

function withEndorsement(index: number, change: Partial<FabricProof['endorsements'][number]>): FabricProof {
  return { ...proof, endorsements: proof.endorsements.map((e, i) => (i === index ? { ...e, ...change } : e)) };
}

function flipByte(base64: string, at: number): string {
  const bytes = Buffer.from(base64, 'base64');
  bytes[at] = (bytes[at] as number) ^ 0x01;
  return bytes.toString('base64');
}

describe('verifyFabricProof', () => {
  it('accepts a committed record endorsed by both trusted organizations', () => {
    expect(proof.endorsements.map((e) => [e.org, e.alg])).toEqual([
      ['OperatorMSP', 'ECDSA-P256'],
      ['RegulatorMSP', 'ECDSA-P256'],
    ]);
    expect(verifyFabricProof(record, proof, trust)).toEqual({ valid: true });
  });

  it('without trust anchors checks integrity only', () => {
    expect(verifyFabricProof(record, proof)).toEqual({ valid: true });
    expect(verifyFabricProof(record, { ...proof, endorsements: proof.endorsements.slice(0, 1) })).toEqual({ valid: true });
    expect(verifyFabricProof({ ...record, exporterId: 'exp-other' }, proof).valid).toBe(false);
  });

  it.each([
    ['data', { ...record, data: { ...record.data, records: 1001 } }],
    ['timestamp', { ...record, timestamp: '2026-11-26T01:00:00.001Z' }],
    ['contract id', { ...record, contractId: 'ctr-other' }],
    ['missing exporter id', { ...record, exporterId: undefined }],
    ['type', { ...record, type: 'audit.event' }],
  ] as [string, LedgerRecord][])('rejects a record whose %s was edited', (_field, edited) => {
    expect(verifyFabricProof(JSON.parse(JSON.stringify(edited)) as LedgerRecord, proof, trust)).toEqual({
      valid: false,
      reason: 'record differs from the endorsed record',
    });
  });

  it('rejects the proof for another record id', () => {
    expect(verifyFabricProof({ ...record, id: 'rcpt-fixture-0002' }, proof, trust)).toEqual({
      valid: false,
      reason: 'endorsed write set does not store this record id',
    });
  });

  it('rejects a proof naming another transaction or chaincode', () => {
    expect(verifyFabricProof(record, { ...proof, transactionId: 'f'.repeat(64) }, trust).reason).toBe('record was written by another transaction');
    expect(verifyFabricProof(record, { ...proof, chaincode: 'other' }, trust).reason).toBe('payload is for another chaincode');
  });

  it('rejects a tampered payload or signature', () => {
    const payloadLength = Buffer.from(proof.payload, 'base64').length;
    expect(verifyFabricProof(record, { ...proof, payload: flipByte(proof.payload, payloadLength - 1) }, trust).valid).toBe(false);
    const signature = proof.endorsements[1]!.signature;
    const forged = withEndorsement(1, { signature: `${signature.slice(0, -2)}${signature.endsWith('00') ? '01' : '00'}` });
    expect(verifyFabricProof(record, forged, trust)).toEqual({ valid: false, reason: 'endorsement signature by RegulatorMSP does not verify' });
    expect(verifyFabricProof(record, withEndorsement(1, { org: 'OperatorMSP' }), trust)).toEqual({
      valid: false,
      reason: 'endorsement signature by OperatorMSP does not verify',
    });
    expect(verifyFabricProof(record, withEndorsement(0, { alg: 'Ed25519' }), trust).reason).toBe('endorsement by OperatorMSP names the wrong algorithm');
  });

  it('requires an endorsement from every trusted organization, by a peer its CA issued', () => {
    expect(verifyFabricProof(record, { ...proof, endorsements: proof.endorsements.slice(0, 1) }, trust)).toEqual({
      valid: false,
      reason: 'no endorsement from RegulatorMSP',
    });
    expect(verifyFabricProof(record, proof, { orgs: { OperatorMSP: operatorCa, RegulatorMSP: operatorCa } })).toEqual({
      valid: false,
      reason: 'endorser certificate is not issued by a RegulatorMSP CA',
    });
    expect(verifyFabricProof(record, proof, { orgs: { OperatorMSP: operatorCa } })).toEqual({
      valid: false,
      reason: 'endorsement by RegulatorMSP, which is not a trusted organization',
    });
    expect(verifyFabricProof(record, proof, { orgs: { OperatorMSP: operatorCa, RegulatorMSP: regulatorCa, AuditorMSP: regulatorCa } })).toEqual({
      valid: false,
      reason: 'no endorsement from AuditorMSP',
    });
  });

  it('reports garbage as malformed instead of throwing', () => {
    expect(verifyFabricProof(record, { ...proof, payload: Buffer.from('not a protobuf').toString('base64') }, trust)).toEqual({
      valid: false,
      reason: 'proof is malformed',
    });
    expect(verifyFabricProof(record, withEndorsement(0, { publicKey: 'not a certificate' }), trust)).toEqual({
      valid: false,
      reason: 'proof is malformed',
    });
  });
});
