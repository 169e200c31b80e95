import type { Transaction } from 'kysely';
import { SluiceError } from '../../common/index.ts';
import { assess, chinaDate, type Assessment, type Filing, type Mechanism, type Scenario } from '../compliance/index.ts';
import type { Party } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import type { ContractTerms } from '../contracts/schemas.ts';
import type { DatasetField } from '../datasets/schemas.ts';

export interface ReleasedField {
  name: string;
  category: DatasetField['category'];
  transform: string;
}

export interface ComplianceClearance {
  assessment: Assessment;
  filingReference: string | null;
  counted: boolean;
}

/** Transforms after which nothing of the person's value reaches the recipient. */
const WITHHOLDS_VALUE = new Set(['nullify', 'aggregate']);

/** Persons whose non-sensitive / sensitive PI this transfer carries, by keyed subject hash. */
function subjectBatch(fields: ReleasedField[], subjects: Uint8Array[]) {
  const carried = fields.filter((f) => !WITHHOLDS_VALUE.has(f.transform));
  return {
    personal: carried.some((f) => f.category === 'personal') ? subjects : [],
    sensitive: carried.some((f) => f.category === 'sensitive') ? subjects : [],
  };
}

/**
 * The filings that could cover this export, fetched before the counting transaction: the
 * transaction holds SQLite's only connection, and filings do not change with transfers.
 */
export async function candidateFilings(ctx: GatewayContext, exporterId: string, date: string): Promise<Partial<Record<Mechanism, Filing>>> {
  const out: Partial<Record<Mechanism, Filing>> = {};
  for (const mechanism of ['standard_contract_or_certification', 'security_assessment'] as const) {
    const filing = await ctx.compliance.filings.coveringFiling(exporterId, mechanism, date);
    if (filing) out[mechanism] = filing;
  }
  return out;
}

/**
 * Counts, assesses and, if the export may go, commits the counts — all inside the transfer's
 * transaction under the exporter's lock, so two racing transfers cannot both slip under a
 * threshold (R-NO-SPLIT). Throws COMPLIANCE_BLOCKED (or CORE_DATA_PROHIBITED) otherwise.
 */
export async function clearForExport(
  ctx: GatewayContext,
  trx: Transaction<any>,
  input: {
    exporter: Party;
    terms: ContractTerms;
    fields: ReleasedField[];
    subjects: Uint8Array[];
    at: Date;
    filings: Partial<Record<Mechanism, Filing>>;
  },
): Promise<ComplianceClearance> {
  const { fields } = input;
  const carried = fields.filter((f) => !WITHHOLDS_VALUE.has(f.transform));
  return clearSubjects(ctx, trx, {
    ...input,
    batch: subjectBatch(fields, input.subjects),
    important: carried.some((f) => f.category === 'important'),
    core: fields.some((f) => f.category === 'core'),
  });
}

/** Persons whose non-sensitive and sensitive personal information an export carries, by keyed hash. */
export interface SubjectBatch {
  personal: Uint8Array[];
  sensitive: Uint8Array[];
}

/**
 * The same gate for exports that know their persons by category directly (AI egress: the
 * kinds found in a prompt say which persons' data is sensitive).
 */
export async function clearSubjects(
  ctx: GatewayContext,
  trx: Transaction<any>,
  input: {
    exporter: Party;
    terms: Pick<ContractTerms, 'scenario' | 'modality' | 'legalBasis'>;
    batch: SubjectBatch;
    important: boolean;
    core: boolean;
    at: Date;
    filings: Partial<Record<Mechanism, Filing>>;
  },
): Promise<ComplianceClearance> {
  const { exporter, terms, batch } = input;
  const date = chinaDate(input.at.toISOString());
  await ctx.compliance.counter.lockExporter(trx, exporter.id);
  const counts = await ctx.compliance.counter.preview(exporter.id, Number(date.slice(0, 4)), batch, trx);
  const scenario: Scenario = {
    date,
    exporter: { ciio: exporter.ciio === 1, ftz: (exporter.ftz as Scenario['exporter']['ftz']) ?? null },
    scenario: terms.scenario,
    modality: terms.modality ?? null,
    legalBasis: terms.legalBasis,
    data: {
      personal: counts.personal,
      sensitive: counts.sensitive,
      important: input.important,
      core: input.core,
      personalSincePreviousYear: counts.personalSincePreviousYear,
      sensitiveSincePreviousYear: counts.sensitiveSincePreviousYear,
      processedPersons: null,
    },
  };
  const assessment = assess(scenario);
  if (assessment.mechanism === 'prohibited') {
    throw new SluiceError('CORE_DATA_PROHIBITED', 'this export is prohibited', { mechanism: assessment.mechanism, rules: assessment.rules });
  }
  let filingReference: string | null = null;
  if (assessment.mechanism !== 'none') {
    const filing = input.filings[assessment.mechanism];
    if (!filing) {
      throw new SluiceError('COMPLIANCE_BLOCKED', 'no valid filing covers the legal mechanism this export needs', {
        mechanism: assessment.mechanism,
        rules: assessment.rules,
      });
    }
    filingReference = filing.reference;
  }
  const committed = await ctx.compliance.counter.commit(trx, exporter.id, scenario, batch);
  return { assessment, filingReference, counted: committed.counted };
}
