import type { FromSchema } from 'json-schema-to-ts';
import type { Kysely } from 'kysely';
import { camelCased, fail, type CamelCased } from '../../common/index.ts';
import type { ComplianceDatabase } from './store/index.ts';
import { chinaDate } from './facts.ts';
import type { Mechanism } from './scenario.ts';
import { transferDate } from './schemas.ts';
import type { ComplianceTables } from './tables.ts';
import { compileValidator } from './validation.ts';

export const FILING_MECHANISMS = ['security_assessment', 'standard_contract', 'certification'] as const;
export type FilingMechanism = (typeof FILING_MECHANISMS)[number];

/**
 * `declared`: a standard-contract filing or certificate, on the owner's word (anchored, shown to
 * regulators). A security assessment is the regulator's approval, not a declaration: it is
 * `awaiting_confirmation` until a regulator party confirms it, and covers nothing before.
 */
export type FilingStatus = 'declared' | 'awaiting_confirmation' | 'confirmed';

export interface Filing extends FilingInput {
  exporterId: string;
  recordedAt: string;
  status: FilingStatus;
  confirmedAt: string | null;
  /** The regulator party that confirmed it. */
  confirmedBy: string | null;
}

export const filingSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['mechanism', 'reference', 'validFrom', 'validUntil'],
  properties: {
    mechanism: { type: 'string', enum: [...FILING_MECHANISMS] },
    // The CAC filing number, assessment notice number or certificate number.
    reference: { type: 'string', minLength: 1, maxLength: 200, pattern: '^[^\\u0000-\\u001f]+$' },
    validFrom: transferDate,
    validUntil: transferDate,
  },
} as const;

/** Body of `POST /v1/compliance/filings` (SURFACE.md). */
export type FilingInput = FromSchema<typeof filingSchema>;

const validateFiling = compileValidator<FilingInput>(filingSchema, 'filing');

/** Filings that satisfy a required mechanism: a security assessment also covers the contract-or-certification level. */
const COVERS: Partial<Record<Mechanism, readonly FilingMechanism[]>> = {
  standard_contract_or_certification: ['standard_contract', 'certification', 'security_assessment'],
  security_assessment: ['security_assessment'],
};

type FilingRow = CamelCased<ComplianceTables>['complianceFilings'];

/** The filings table under camelCase names (`db` is the gateway's database or a transaction of it). */
function filingsTable(db: Kysely<any>): Kysely<CamelCased<ComplianceTables>> {
  return camelCased<ComplianceTables>(db);
}

function toFiling(row: FilingRow): Filing {
  const status: FilingStatus = row.mechanism !== 'security_assessment' ? 'declared' : row.confirmedAt === null ? 'awaiting_confirmation' : 'confirmed';
  return { ...row, status };
}

/**
 * The exporter's security assessments, standard-contract filings and certificates. Validity is
 * the filing's own `validFrom … validUntil` (China dates, inclusive): the 3-year validity of an
 * assessment result is what the notice states, so it is entered, not computed. Filings are
 * never deleted (R-DUTY-RECORDS).
 */
export class FilingsStore {
  private readonly db: Kysely<ComplianceTables>;

  constructor(database: ComplianceDatabase) {
    this.db = database.db as Kysely<ComplianceTables>;
  }

  /**
   * Validates and records a filing; the same reference twice for one exporter → CONFLICT. `db`
   * is the transaction that also anchors it, when the caller has one.
   */
  async record(exporterId: string, input: unknown, now: Date = new Date(), db: Kysely<any> = this.db): Promise<Filing> {
    const filing = validateFiling(input);
    const validFrom = chinaDate(filing.validFrom);
    const validUntil = chinaDate(filing.validUntil);
    if (validUntil < validFrom) throw fail.validation('validUntil is before validFrom');
    const row: FilingRow = {
      exporterId,
      reference: filing.reference,
      mechanism: filing.mechanism,
      validFrom,
      validUntil,
      recordedAt: now.toISOString(),
      confirmedAt: null,
      confirmedBy: null,
    };
    const result = await filingsTable(db)
      .insertInto('complianceFilings')
      .values(row)
      .onConflict((oc) => oc.columns(['exporterId', 'reference']).doNothing())
      .executeTakeFirst();
    if (Number(result.numInsertedOrUpdatedRows ?? 0n) === 0) throw fail.conflict('a filing with this reference is already recorded');
    return toFiling(row);
  }

  /**
   * A regulator's confirmation of a security assessment, which makes it effective. Confirming
   * again changes nothing; other mechanisms are declarations and take no confirmation.
   */
  async confirm(exporterId: string, reference: string, regulatorId: string, now: Date, db: Kysely<any> = this.db): Promise<{ filing: Filing; confirmedNow: boolean }> {
    const trx = filingsTable(db);
    const row = await trx.selectFrom('complianceFilings').selectAll().where('exporterId', '=', exporterId).where('reference', '=', reference).executeTakeFirst();
    if (!row) throw fail.notFound('filing');
    if (row.mechanism !== 'security_assessment') throw fail.validation('only a security assessment is confirmed by a regulator; other filings are declarations');
    if (row.confirmedAt !== null) return { filing: toFiling(row), confirmedNow: false };
    const confirmed = { confirmedAt: now.toISOString(), confirmedBy: regulatorId };
    await trx.updateTable('complianceFilings').set(confirmed).where('exporterId', '=', exporterId).where('reference', '=', reference).where('confirmedAt', 'is', null).execute();
    return { filing: toFiling({ ...row, ...confirmed }), confirmedNow: true };
  }

  /** One exporter's filings, or every exporter's (for regulators). */
  async list(exporterId?: string): Promise<Filing[]> {
    let query = filingsTable(this.db).selectFrom('complianceFilings').selectAll();
    if (exporterId !== undefined) query = query.where('exporterId', '=', exporterId);
    const rows = await query.orderBy('exporterId').orderBy('validFrom').orderBy('reference').execute();
    return rows.map(toFiling);
  }

  /** Every exporter's filings (regulator view), or one exporter's. */
  async listAll(exporterId?: string): Promise<Filing[]> {
    let query = filingsTable(this.db).selectFrom('complianceFilings').selectAll();
    if (exporterId) query = query.where('exporterId', '=', exporterId);
    const rows = await query.orderBy('recordedAt', 'desc').orderBy('exporterId').orderBy('reference').execute();
    return rows.map(toFiling);
  }

  /**
   * The filing that covers `required` on `date` (a China date or timestamp), preferring the one
   * valid longest; undefined when none does. `none` needs no filing and `prohibited` has none.
   */
  async coveringFiling(exporterId: string, required: Mechanism, date: string): Promise<Filing | undefined> {
    const kinds = COVERS[required];
    if (!kinds) return undefined;
    const day = chinaDate(date);
    const row = await filingsTable(this.db)
      .selectFrom('complianceFilings')
      .selectAll()
      .where('exporterId', '=', exporterId)
      .where('mechanism', 'in', kinds)
      .where('validFrom', '<=', day)
      .where('validUntil', '>=', day)
      // A security assessment counts once a regulator confirmed it.
      .where((eb) => eb.or([eb('mechanism', '!=', 'security_assessment'), eb('confirmedAt', 'is not', null)]))
      .orderBy('validUntil', 'desc')
      .orderBy('reference')
      .executeTakeFirst();
    return row && toFiling(row);
  }
}
