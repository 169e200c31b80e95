import { describe, expect, it } from 'vitest';
import { decryptField, parseFieldCiphertext } from '../../gateway/desensitize/index.ts';
import { openPackage } from '../../gateway/index.ts';
import { KmsClient } from '../../kms/index.ts';
import { approveContract, proposeContract, registerParty, type PartyFixture } from '../support/fixtures.ts';
import { useGateway } from '../support/gateway.ts';
import { api } from '../support/http.ts';

const fields = [
  { name: 'account', type: 'string', category: 'general' },
  { name: 'city', type: 'string', category: 'general' },
  { name: 'spend', type: 'number', category: 'general' },
];
const rows = Array.from({ length: 5000 }, (_, i) => ({ account: `ACC-${100000 + i}`, city: ['Shanghai', 'Beijing', 'Shenzhen'][i % 3]!, spend: (i * 37) % 1000 }));

describe('desensitization through transfers', () => {
  const harness = useGateway('sqlite');
  let owner: PartyFixture;
  let datasetId: string;

  const transferFor = async (recipient: PartyFixture, contractFields: Record<string, unknown>, extra: Record<string, unknown> = {}) => {
    const contract = await proposeContract(harness().url, owner, { datasetId, recipientId: recipient.id, fields: contractFields, ...extra });
    await approveContract(harness().url, owner, contract);
    const transfer = await api(harness().url, 'POST', '/v1/transfers', { token: recipient.token, json: { contractId: contract.id, purpose: 'analytics' } });
    expect(transfer.status, transfer.text).toBe(201);
    const pkg = await fetch(`${harness().url}/v1/transfers/${transfer.body.id}/package`, { headers: { authorization: `Bearer ${recipient.token}` } });
    const { records } = openPackage(new Uint8Array(await pkg.arrayBuffer()), recipient.keys.privateKey);
    const delivered = new TextDecoder().decode(records).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    return { contract, transfer: transfer.body, delivered };
  };

  it('encrypts fields with the algorithm each contract names, decryptable only through the KMS', async () => {
    owner = await registerParty(harness().url, harness().adminToken, { name: 'Owner', kind: 'domestic', jurisdiction: 'CN' });
    const dataset = await api(harness().url, 'POST', '/v1/datasets', { token: owner.token, json: { name: 'accounts', fields } });
    datasetId = dataset.body.id;
    await api(harness().url, 'POST', `/v1/datasets/${datasetId}/records`, { token: owner.token, json: rows });
    const recipient = await registerParty(harness().url, harness().adminToken, { name: 'R', kind: 'overseas', jurisdiction: 'SG' });
    const { transfer, delivered } = await transferFor(recipient, {
      account: { transform: 'encrypt', alg: 'AES-256-GCM' },
      city: { transform: 'encrypt' },
    });
    expect(parseFieldCiphertext(delivered[0]!.account as string)).toMatchObject({ alg: 'AES-256-GCM' });
    expect(parseFieldCiphertext(delivered[0]!.city as string)).toMatchObject({ alg: 'SM4' });
    expect(delivered[0]!.account).not.toContain('ACC-');

    const row = await harness().gateway.ctx.db.selectFrom('transfers').innerJoin('contracts', 'contracts.id', 'transfers.contract_id').select(['transfers.wrapped_field_key', 'contracts.kek_id', 'contracts.id']).where('transfers.id', '=', transfer.id).executeTakeFirstOrThrow();
    const wrapped = JSON.parse(row.wrapped_field_key!) as Record<string, string>;
    const kms = new KmsClient({ url: harness().kms.url, token: harness().kms.token });
    const aesKey = await kms.decrypt(row.kek_id, wrapped['AES-256-GCM']!, { purpose: 'field-encrypt', contractId: row.id, transferId: transfer.id, alg: 'AES-256-GCM' });
    expect(decryptField(delivered[0]!.account as string, 'account', aesKey)).toBe('ACC-100000');
  });

  it('names the recipient a leaked extract came from among ten fingerprinted contracts', async () => {
    const recipients: PartyFixture[] = [];
    const packages: Array<Record<string, unknown>[]> = [];
    for (let i = 0; i < 10; i++) {
      const recipient = await registerParty(harness().url, harness().adminToken, { name: `R${i}`, kind: 'overseas', jurisdiction: 'GB' });
      const { delivered } = await transferFor(
        recipient,
        { account: { transform: 'tokenize' }, city: { transform: 'keep' }, spend: { transform: 'generalize', step: 100 } },
        { fingerprint: true },
      );
      expect(delivered.length).toBeGreaterThan(rows.length);
      recipients.push(recipient);
      packages.push(delivered);
    }
    const culprit = 7;
    // Four rows in five, re-ordered, one column dropped: the account tokens are the only near-unique evidence left.
    const leaked = packages[culprit]!.filter((_, i) => i % 5 !== 0)
      .map(({ account, spend }) => ({ account, spend }))
      .reverse();
    const trace = await api(harness().url, 'POST', `/v1/datasets/${datasetId}/trace`, { token: owner.token, json: leaked });
    expect(trace.status, trace.text).toBe(200);
    expect(trace.body.recipientId, JSON.stringify(trace.body.candidates.slice(0, 3))).toBe(recipients[culprit]!.id);
    expect(trace.body.candidates.length).toBeGreaterThanOrEqual(10);
    const stranger = await api(harness().url, 'POST', `/v1/datasets/${datasetId}/trace`, { token: recipients[0]!.token, json: leaked });
    expect(stranger.status).toBe(403);
  });
});
