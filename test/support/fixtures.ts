import { canonicalize, sm2GenerateKeyPair, sm2Sign } from '../../crypto/index.ts';
import { api } from './http.ts';

export interface PartyFixture {
  id: string;
  token: string;
  keys: { privateKey: string; publicKey: string };
}

export async function registerParty(url: string, adminToken: string, body: Record<string, unknown>): Promise<PartyFixture> {
  const keys = sm2GenerateKeyPair();
  const response = await api(url, 'POST', '/v1/parties', {
    token: adminToken,
    json: body.kind === 'regulator' ? body : { publicKey: keys.publicKey, ...body },
  });
  if (response.status !== 201) throw new Error(`party registration failed: ${response.text}`);
  return { ...response.body, keys };
}

export function signTerms(terms: unknown, privateKey: string): string {
  return sm2Sign(canonicalize(terms), privateKey);
}

export interface ContractFixture {
  id: string;
  terms: Record<string, unknown>;
  digest: string;
}

export async function proposeContract(url: string, owner: PartyFixture, body: Record<string, unknown>): Promise<ContractFixture> {
  const response = await api(url, 'POST', '/v1/contracts', {
    token: owner.token,
    json: {
      purposes: ['analytics'],
      legalBasis: 'contract',
      validUntil: new Date(Date.now() + 86_400_000).toISOString(),
      retentionDays: 30,
      onwardTransfer: false,
      destination: { country: 'SG', location: 'Singapore' },
      ...body,
    },
  });
  if (response.status !== 201) throw new Error(`contract proposal failed: ${response.text}`);
  return response.body;
}

export async function approveContract(url: string, owner: PartyFixture, contract: ContractFixture): Promise<void> {
  const response = await api(url, 'POST', `/v1/contracts/${contract.id}/approve`, {
    token: owner.token,
    json: { signature: signTerms(contract.terms, owner.keys.privateKey) },
  });
  if (response.status !== 200) throw new Error(`approval failed: ${response.text}`);
}
