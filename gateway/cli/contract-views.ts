import { contractText, describeContract, exportScenario, mechanismWords, say, type Assessment, type ComplianceStatusInfo, type ContractTerms, type DatasetFieldInfo, type Lang } from '../../console/index.ts';
import type { GatewayClient } from './gateway-client.ts';

/** What `GET /v1/contracts/:id` returns. */
export interface ContractBody {
  id: string;
  status: string;
  terms: ContractTerms;
  digest: string;
  signature: string | null;
  approvedAt: string | null;
  revokedAt: string | null;
}

export interface Caller {
  id: string;
  name: string;
  kind: string;
  jurisdiction: string;
  publicKey: string | null;
  ciio: boolean;
  ftz: string | null;
}

export async function caller(client: GatewayClient): Promise<Caller | undefined> {
  return (await client.get<{ party?: Caller }>('/v1/me')).party;
}

/** Chinese for domestic parties (and regulators), English abroad, unless `--lang` says otherwise. */
export function languageFor(flag: string | undefined, party: Caller | undefined): Lang {
  if (flag === 'zh' || flag === 'en') return flag;
  return party?.jurisdiction === 'CN' ? 'zh' : 'en';
}

function chinaToday(): string {
  return new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * The contract in plain words, and for its owner the legal mechanism the compliance engine finds
 * (with whether a filing covers it) and the re-identification risk of the release.
 */
export async function renderContract(client: GatewayClient, contract: ContractBody, me: Caller | undefined, lang: Lang): Promise<string> {
  const { datasetId } = contract.terms;
  // An AI egress contract covers prompts, not a dataset.
  const dataset = datasetId ? await client.get<{ name: string; fields: DatasetFieldInfo[]; records: number }>(`/v1/datasets/${datasetId}`) : undefined;
  // Party records are for the admin, the party itself and regulators: others see the recipient's id.
  const recipient = await client.get<{ name: string }>(`/v1/parties/${contract.terms.recipientId}`).catch(() => undefined);
  const lines = [
    `${contract.id}  ${say(lang, `status.${contract.status}`)}`,
    dataset ? `${dataset.name} (${datasetId})` : say(lang, 'prompts'),
    '',
    contractText(describeContract(contract.terms, dataset?.fields ?? [], lang, recipient?.name), lang),
    `${say(lang, 'digest')}  ${contract.digest}`,
  ];
  if (dataset && me && me.id === contract.terms.ownerId) {
    const status = await client.get<ComplianceStatusInfo>(`/v1/compliance/status?year=${chinaToday().slice(0, 4)}`);
    const scenario = exportScenario(contract.terms, dataset.fields, { ciio: me.ciio, ftz: me.ftz }, status, dataset.records, chinaToday());
    const { body: assessment } = await client.post<Assessment>('/v1/compliance/assess', scenario);
    lines.push('', `${say(lang, 'mechanism')}: ${mechanismWords(assessment.mechanism, lang)} (${assessment.rules.join(', ')})`);
    const today = chinaToday();
    const covering = status.filings.find(
      (f) => f.validFrom <= today && today <= f.validUntil && (f.mechanism === 'security_assessment' || assessment.mechanism === 'standard_contract_or_certification'),
    );
    if (assessment.mechanism !== 'none' && assessment.mechanism !== 'prohibited') lines.push(covering ? say(lang, 'covered', { reference: covering.reference }) : say(lang, 'notCovered'));
    const risk = await client.get<{ quasiIdentifiers: string[]; k: number | null; warn: boolean }>(`/v1/contracts/${contract.id}/risk`);
    const fields = risk.quasiIdentifiers.join(', ');
    lines.push(risk.k === null ? say(lang, 'riskNone') : say(lang, risk.warn ? 'riskWarn' : 'riskOk', { fields, k: risk.k }));
  }
  return lines.join('\n');
}
