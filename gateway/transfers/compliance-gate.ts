import type { Kysely, Transaction } from 'kysely';
import { SluiceError } from '../../common/index.ts';
import { assess, chinaDate, SubjectSet, type Assessment, type Filing, type Mechanism, type Scenario, type SubjectBatch } from '../compliance/index.ts';
import type { Party } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import type { GatewaySchema } from '../db/schema.ts';
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

/**
 * What every release record (a transfer's receipt, an AI egress call) states of where the data
 * goes and on which legal footing, in the same fields, so the reports read both alike.
 */
export function releaseFooting(terms: Pick<ContractTerms, 'destination' | 'retentionDays' | 'onwardTransfer'>, clearance: ComplianceClearance) {
  return {
    destination: terms.destination,
    retentionDays: terms.retentionDays,
    onwardTransfer: terms.onwardTransfer,
    mechanism: clearance.assessment.mechanism,
    regime: clearance.assessment.regime,
    rules: clearance.assessment.rules,
    filingReference: clearance.filingReference,
    counted: clearance.counted,
  };
}

/** Transforms after which nothing of the person's value reaches the recipient. */
const WITHHOLDS_VALUE = new Set(['nullify', 'aggregate']);

const NOBODY = SubjectSet.fromPacked(new Uint8Array(0));

/** Persons whose non-sensitive / sensitive PI this transfer carries, by keyed subject hash. */
function subjectBatch(fields: ReleasedField[], subjects: SubjectSet): SubjectBatch {
  const carried = fields.filter((f) => !WITHHOLDS_VALUE.has(f.transform));
  return {
    personal: carried.some((f) => f.category === 'personal') ? subjects : NOBODY,
    sensitive: carried.some((f) => f.category === 'sensitive') ? subjects : NOBODY,
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

export interface ExportInput {
  exporter: Party;
  terms: ContractTerms;
  fields: ReleasedField[];
  /** Keyed subject hashes of the records, packed (SUBJECT_BYTES each). */
  subjects: SubjectSet;
  at: Date;
  filings: Partial<Record<Mechanism, Filing>>;
}

/** What the gate decides on, whatever the export: persons by category and the data's levels. */
export interface SubjectsInput {
  exporter: Party;
  terms: Pick<ContractTerms, 'scenario' | 'modality' | 'legalBasis'>;
  batch: SubjectBatch;
  important: boolean;
  core: boolean;
  at: Date;
  filings: Partial<Record<Mechanism, Filing>>;
}

interface Decision {
  scenario: Scenario;
  assessment: Assessment;
  filingReference: string | null;
}

function subjectsOf(input: ExportInput): SubjectsInput {
  const carried = input.fields.filter((f) => !WITHHOLDS_VALUE.has(f.transform));
  return {
    ...input,
    batch: subjectBatch(input.fields, input.subjects),
    important: carried.some((f) => f.category === 'important'),
    core: input.fields.some((f) => f.category === 'core'),
  };
}

/**
 * Assesses the export as the counts would stand with it, and refuses it (COMPLIANCE_BLOCKED,
 * CORE_DATA_PROHIBITED) unless a filing covers the mechanism it needs. Reads only counters and
 * keyed hashes: no key is unwrapped and no record decrypted to decide.
 */
async function decide(ctx: GatewayContext, executor: Kysely<GatewaySchema>, input: SubjectsInput): Promise<Decision> {
  const { exporter, terms, batch } = input;
  const date = chinaDate(input.at.toISOString());
  const counts = await ctx.compliance.counter.preview(exporter.id, Number(date.slice(0, 4)), batch, executor);
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
  return { scenario, assessment, filingReference };
}

/**
 * The gate a transfer passes before any key is unwrapped: the decision on the counts as they
 * stand now. Throws as `clearForExport` would; commits nothing (the counts are committed when
 * the transfer completes, where the decision is taken again under the exporter's lock).
 */
export async function precheckExport(ctx: GatewayContext, input: ExportInput): Promise<void> {
  await decide(ctx, ctx.db, subjectsOf(input));
}

/**
 * Counts, assesses and, if the export may go, commits the counts — all inside the transfer's
 * transaction under the exporter's lock, so two racing transfers cannot both slip under a
 * threshold (R-NO-SPLIT). Throws COMPLIANCE_BLOCKED (or CORE_DATA_PROHIBITED) otherwise.
 */
export async function clearForExport(ctx: GatewayContext, trx: Transaction<GatewaySchema>, input: ExportInput): Promise<ComplianceClearance> {
  return clearSubjects(ctx, trx, subjectsOf(input));
}

/**
 * The same gate for exports that know their persons by category directly (AI egress: the
 * kinds found in a prompt say which persons' data is sensitive).
 */
export async function clearSubjects(ctx: GatewayContext, trx: Transaction<GatewaySchema>, input: SubjectsInput): Promise<ComplianceClearance> {
  await ctx.compliance.counter.lockExporter(trx, input.exporter.id);
  const { scenario, assessment, filingReference } = await decide(ctx, trx, input);
  const committed = await ctx.compliance.counter.commit(trx, input.exporter.id, scenario, input.batch);
  return { assessment, filingReference, counted: committed.counted };
}
