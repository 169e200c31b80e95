import { SluiceError } from '../../common/index.ts';
import { sql, type Expression, type ExpressionBuilder, type SqlBool } from 'kysely';
import { requireParty, type Principal } from '../auth/principal.ts';
import { jobInputs, jobView, type JobView } from '../compute/jobs.ts';
import type { JobStage } from '../compute/tables.ts';
import type { GatewayContext } from '../context.ts';
import { contractView } from '../contracts/service.ts';
import { datasetView } from '../datasets/service.ts';
import { pageOf, type Page } from '../http/paging.ts';
import type { TransferView } from '../transfers/schemas.ts';
import { transferFailure, transferProgress } from '../transfers/service.ts';

/**
 * What a signed-in party may list, newest first: its own objects, everything for regulators and
 * the admin. Each function answers one page and the cursor of the next. Metadata only: no
 * record value is ever read here.
 */

type Scope = { all: true } | { all: false; partyId: string };

function scopeOf(principal: Principal): Scope {
  if (principal.role === 'admin' || principal.party.kind === 'regulator') return { all: true };
  return { all: false, partyId: principal.party.id };
}

/** Rows strictly after the cursor in (created_at desc, id desc) order. */
function pastCursor<DB, TB extends keyof DB>(eb: ExpressionBuilder<DB, TB>, createdAt: string, id: string, after: Page['after']): Expression<SqlBool> {
  const created = eb.ref(createdAt as never);
  const key = eb.ref(id as never);
  return eb.or([eb(created, '<', after!.createdAt as never), eb.and([eb(created, '=', after!.createdAt as never), eb(key, '<', after!.id as never)])]);
}

export async function listDatasets(ctx: GatewayContext, principal: Principal, page: Page) {
  const scope = scopeOf(principal);
  let query = ctx.db.selectFrom('datasets').selectAll();
  if (!scope.all) {
    const { partyId } = scope;
    // A recipient sees the datasets its contracts are over (as GET /v1/datasets/:id allows).
    query = query.where((eb) =>
      eb.or([eb('owner_id', '=', partyId), eb('id', 'in', eb.selectFrom('contracts').select('dataset_id').where('recipient_id', '=', partyId))]),
    );
  }
  if (page.after) query = query.where((eb) => pastCursor(eb, 'created_at', 'id', page.after));
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
  const { items, next } = pageOf(rows, page.limit, (r) => ({ createdAt: r.created_at, id: r.id }));
  return { datasets: items.map(datasetView), next };
}

export interface ContractFilter {
  status?: 'pending' | 'approved' | 'revoked';
  role?: 'owner' | 'recipient';
  datasetId?: string;
}

export async function listContracts(ctx: GatewayContext, principal: Principal, filter: ContractFilter, page: Page) {
  const scope = scopeOf(principal);
  let query = ctx.db
    .selectFrom('contracts')
    .innerJoin('parties as owner', 'owner.id', 'contracts.owner_id')
    .innerJoin('parties as recipient', 'recipient.id', 'contracts.recipient_id')
    // A left join: AI egress contracts (SURFACE wave 2) cover prompts, not a dataset.
    .leftJoin('datasets', 'datasets.id', 'contracts.dataset_id')
    .selectAll('contracts')
    .select(['owner.name as owner_name', 'recipient.name as recipient_name', 'recipient.jurisdiction as recipient_jurisdiction', 'datasets.name as dataset_name']);
  if (!scope.all) {
    const { partyId } = scope;
    if (filter.role === 'owner') query = query.where('contracts.owner_id', '=', partyId);
    else if (filter.role === 'recipient') query = query.where('contracts.recipient_id', '=', partyId);
    else query = query.where((eb) => eb.or([eb('contracts.owner_id', '=', partyId), eb('contracts.recipient_id', '=', partyId)]));
  }
  if (filter.status) query = query.where('contracts.status', '=', filter.status);
  if (filter.datasetId) query = query.where('contracts.dataset_id', '=', filter.datasetId);
  if (page.after) query = query.where((eb) => pastCursor(eb, 'contracts.created_at', 'contracts.id', page.after));
  const rows = await query.orderBy('contracts.created_at', 'desc').orderBy('contracts.id', 'desc').limit(page.limit + 1).execute();
  const { items, next } = pageOf(rows, page.limit, (r) => ({ createdAt: r.created_at, id: r.id }));
  return {
    contracts: items.map((row) => ({
      ...contractView(row),
      ownerName: row.owner_name,
      recipientName: row.recipient_name,
      recipientJurisdiction: row.recipient_jurisdiction,
      datasetName: row.dataset_name,
    })),
    next,
  };
}

export interface TransferFilter {
  contractId?: string;
  exporterId?: string;
  recipientId?: string;
  /** Inclusive lower and exclusive upper bound on the creation time (ISO dates or timestamps). */
  from?: string;
  to?: string;
  status?: TransferView['status'];
}

/**
 * Transfers the caller sent or received (regulators and the admin: all), newest first: those
 * released (with their receipts' destination and mechanism) and, from `transfer_jobs`, the
 * background ones still running or failed, with their progress and error. A job is marked
 * completed in the transaction that writes its transfer row, so one statement over both tables
 * lists every transfer exactly once.
 */
export async function listTransfers(ctx: GatewayContext, principal: Principal, filter: TransferFilter, page: Page) {
  const scope = scopeOf(principal);
  const absent = sql<string | null>`null`;
  let query = ctx.db
    .selectFrom((eb) =>
      eb
        .selectFrom('transfers')
        .select([
          'transfers.id',
          sql<TransferView['status']>`'completed'`.as('status'),
          'transfers.records as done',
          'transfers.records',
          sql<number | null>`transfers.subjects`.as('subjects'),
          'transfers.contract_id',
          'transfers.exporter_id',
          'transfers.recipient_id',
          sql<string | null>`transfers.dataset_id`.as('dataset_id'),
          'transfers.purpose',
          sql<string | null>`transfers.receipt`.as('receipt'),
          absent.as('terms'),
          sql<string | null>`transfers.package_digest`.as('package_digest'),
          absent.as('error_code'),
          absent.as('error_message'),
          'transfers.created_at',
        ])
        .unionAll(
          eb
            .selectFrom('transfer_jobs')
            .innerJoin('contracts', 'contracts.id', 'transfer_jobs.contract_id')
            .select([
              'transfer_jobs.id',
              'transfer_jobs.status',
              'transfer_jobs.done',
              'transfer_jobs.records',
              sql<number | null>`null`.as('subjects'),
              'transfer_jobs.contract_id',
              'contracts.owner_id as exporter_id',
              'transfer_jobs.recipient_id',
              'contracts.dataset_id',
              'transfer_jobs.purpose',
              absent.as('receipt'),
              sql<string | null>`contracts.terms`.as('terms'),
              absent.as('package_digest'),
              'transfer_jobs.error_code',
              'transfer_jobs.error_message',
              'transfer_jobs.created_at',
            ])
            .where('transfer_jobs.status', 'in', ['running', 'failed']),
        )
        .as('t'),
    )
    .innerJoin('parties as exporter', 'exporter.id', 't.exporter_id')
    .innerJoin('parties as recipient', 'recipient.id', 't.recipient_id')
    .selectAll('t')
    .select(['exporter.name as exporter_name', 'recipient.name as recipient_name']);
  if (!scope.all) {
    const { partyId } = scope;
    query = query.where((eb) => eb.or([eb('t.exporter_id', '=', partyId), eb('t.recipient_id', '=', partyId)]));
  }
  if (filter.contractId) query = query.where('t.contract_id', '=', filter.contractId);
  if (filter.exporterId) query = query.where('t.exporter_id', '=', filter.exporterId);
  if (filter.recipientId) query = query.where('t.recipient_id', '=', filter.recipientId);
  if (filter.status) query = query.where('t.status', '=', filter.status);
  if (filter.from) query = query.where('t.created_at', '>=', instant(filter.from));
  if (filter.to) query = query.where('t.created_at', '<', instant(filter.to));
  if (page.after) query = query.where((eb) => pastCursor(eb, 't.created_at', 't.id', page.after));
  const rows = await query.orderBy('t.created_at', 'desc').orderBy('t.id', 'desc').limit(page.limit + 1).execute();
  const { items, next } = pageOf(rows, page.limit, (r) => ({ createdAt: r.created_at, id: r.id }));
  return {
    transfers: items.map((row) => {
      // Released: what the receipt says. Running or failed: the destination the contract names; the mechanism is decided on release.
      const receipt = row.receipt === null ? undefined : (JSON.parse(row.receipt) as { data: { destination?: Destination; mechanism?: string } });
      const terms = row.terms === null ? undefined : (JSON.parse(row.terms) as { destination?: Destination });
      return {
        id: row.id,
        status: row.status,
        progress: transferProgress(row),
        contractId: row.contract_id,
        exporterId: row.exporter_id,
        exporterName: row.exporter_name,
        recipientId: row.recipient_id,
        recipientName: row.recipient_name,
        datasetId: row.dataset_id,
        purpose: row.purpose,
        records: row.records,
        subjects: row.subjects,
        destination: receipt?.data.destination ?? terms?.destination ?? null,
        mechanism: receipt?.data.mechanism ?? null,
        packageDigest: row.package_digest,
        ...(row.status === 'failed' ? { error: transferFailure(row) } : {}),
        createdAt: row.created_at,
      };
    }),
    next,
  };
}

interface Destination {
  country: string;
  location: string;
}

/** A date (China time zone, as filings and reports use) or a full timestamp, as an ISO instant. */
function instant(value: string): string {
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00+08:00` : value);
  // Date.parse rolls 2026-02-31 over to March; a calendar date must survive the round trip.
  const calendar = value.length !== 10 || new Date(Date.parse(`${value}T00:00:00Z`)).toISOString().startsWith(value);
  if (Number.isNaN(ms) || !calendar) throw new SluiceError('VALIDATION_FAILED', 'from and to must be valid dates', { field: 'from/to' });
  return new Date(ms).toISOString();
}

/** Which gateway stages can show as each SURFACE status (queued and running both pass through `evaluating`). */
const STAGES_OF: Record<JobView['status'], JobStage[]> = {
  queued: ['preparing', 'awaiting_contributions', 'enqueuing', 'evaluating'],
  running: ['evaluating'],
  awaiting_approval: ['evaluated'],
  released: ['released'],
  failed: ['failed'],
};

export interface ComputeJobListing extends JobView {
  requesterId: string;
  createdAt: string;
  inputs: Array<{ kind: string; partyId: string; datasetId: string | null; contractId: string | null; rows: number | null }>;
}

/**
 * The compute jobs the caller requested or holds an input of (regulators: all), with what each
 * would reveal. Filtering by `queued` or `running` is exact but may leave a page short.
 */
export async function listComputeJobs(ctx: GatewayContext, principal: Principal, status: JobView['status'] | undefined, page: Page) {
  // As for a single job (GET /v1/compute/jobs/:id): parties only, not the admin.
  requireParty(principal);
  const { db } = ctx;
  const scope = scopeOf(principal);
  let query = db.selectFrom('compute_jobs').selectAll();
  if (!scope.all) {
    const { partyId } = scope;
    query = query.where((eb) =>
      eb.or([eb('requester_id', '=', partyId), eb('id', 'in', eb.selectFrom('compute_job_inputs').select('job_id').where('party_id', '=', partyId))]),
    );
  }
  if (status) query = query.where('stage', 'in', STAGES_OF[status]);
  if (page.after) query = query.where((eb) => pastCursor(eb, 'created_at', 'id', page.after));
  const rows = await query.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(page.limit + 1).execute();
  const { items, next } = pageOf(rows, page.limit, (r) => ({ createdAt: r.created_at, id: r.id }));
  const jobs: ComputeJobListing[] = [];
  for (const job of items) {
    const view = await jobView(db, ctx.compute.queue, job);
    if (status && view.status !== status) continue;
    const inputs = (await jobInputs(db, job.id)).map((i) => ({ kind: i.kind, partyId: i.party_id, datasetId: i.dataset_id, contractId: i.contract_id, rows: i.rows }));
    jobs.push({ ...view, requesterId: job.requester_id, createdAt: job.created_at, inputs });
  }
  return { jobs, next };
}
