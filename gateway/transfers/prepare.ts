import { SluiceError } from '../../common/index.ts';
import { concatBytes, randomBytes } from '../../crypto/index.ts';
import { SUBJECT_BYTES, SubjectSet } from '../compliance/index.ts';
import type { Party } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { contractDatasetId, type ContractRow, contractTerms, getContract } from '../contracts/service.ts';
import type { ContractTerms, FieldPolicyInput } from '../contracts/schemas.ts';
import type { DatasetField } from '../datasets/schemas.ts';
import { datasetFields, getDataset, planChunks, plannedSubjects, readPlannedChunk, storeChunkSubjects, unwrapDatasetKey, type DatasetRow, type PlannedChunk } from '../datasets/service.ts';
import { hashSubjects, subjectCountingKey } from '../datasets/subjects.ts';
import { getParty, ownerSecret } from '../parties/service.ts';
import { assertContractUsable, recordAllowance } from './checks.ts';
import { candidateFilings, precheckExport, type ReleasedField } from './compliance-gate.ts';
import type { TransferRequest } from './schemas.ts';

export interface DeliveredField {
  name: string;
  category: DatasetField['category'];
  policy: FieldPolicyInput;
}

/** A transfer that passed every gate, with what producing and completing it needs. */
export interface PreparedTransfer {
  transferId: string;
  /** Production attempt (background transfers may be resumed); its package parts are its own. */
  attempt: number;
  purpose: string;
  contract: ContractRow;
  terms: ContractTerms;
  recipient: Party & { public_key: string };
  owner: Party;
  dataset: DatasetRow;
  delivered: DeliveredField[];
  released: ReleasedField[];
  plan: { chunks: PlannedChunk[]; records: number };
  /** The persons the records carry, as keyed hashes. */
  subjects: SubjectSet;
  createdAt: Date;
}

function deliveredFields(terms: ContractTerms, fields: DatasetField[]): DeliveredField[] {
  return Object.entries(terms.fields)
    .filter(([, policy]) => policy.transform !== 'aggregate')
    .map(([name, policy]) => {
      const field = fields.find((f) => f.name === name);
      if (!field) throw new SluiceError('CONFLICT', 'contract names a field the dataset no longer has');
      return { name, category: field.category, policy };
    });
}

/**
 * Every gate of a transfer, in the order SURFACE codes are promised, ending with compliance
 * decided on the stored subject hashes: no key is unwrapped and no record decrypted before the
 * export is known to be allowed (except once, to hash chunks stored before hashes were kept).
 */
export async function prepareTransfer(ctx: GatewayContext, recipient: Party, request: TransferRequest, transferId: string, attempt = 1): Promise<PreparedTransfer> {
  const contract = await getContract(ctx, request.contractId);
  if (contract.recipient_id !== recipient.id) throw new SluiceError('FORBIDDEN', 'only the contract recipient may transfer under it');
  const terms = contractTerms(contract);
  const now = ctx.now();
  assertContractUsable(contract, terms, request.purpose, now);
  const allowance = recordAllowance(terms, request.limit);
  const publicKey = recipient.public_key;
  if (!publicKey) throw new SluiceError('VALIDATION_FAILED', 'register an SM2 public key before receiving packages');
  const dataset = await getDataset(ctx, contractDatasetId(contract));
  const delivered = deliveredFields(terms, datasetFields(dataset));
  if (delivered.some((f) => f.category === 'core')) {
    throw new SluiceError('CORE_DATA_PROHIBITED', 'core data may not be provided abroad (R-CORE)', { rules: ['R-CORE'] });
  }
  const owner = await getParty(ctx, contract.owner_id);
  const plan = await planChunks(ctx, dataset, allowance);
  const subjects = await transferSubjects(ctx, dataset, owner, plan.chunks, plan.records);
  const released = delivered.map((f) => ({ name: f.name, category: f.category, transform: f.policy.transform }));
  const filings = await candidateFilings(ctx, owner.id, now.toISOString());
  await precheckExport(ctx, { exporter: owner, terms, fields: released, subjects, at: now, filings });
  return { transferId, attempt, purpose: request.purpose, contract, terms, recipient: { ...recipient, public_key: publicKey }, owner, dataset, delivered, released, plan, subjects, createdAt: now };
}

/**
 * The keyed subject hashes of the planned records, from what was stored beside each chunk at
 * upload. A record without a subject (or a dataset without a subject field) counts as a person
 * of its own: the conservative reading when de-duplication is impossible.
 */
export async function transferSubjects(ctx: GatewayContext, dataset: DatasetRow, owner: Party, chunks: PlannedChunk[], records: number): Promise<SubjectSet> {
  const distinct = new DistinctSubjects();
  const backfill = new SubjectBackfill(ctx, dataset, owner);
  try {
    if (dataset.subject_field === null) for (const chunk of chunks) distinct.add(new Uint8Array(chunk.take * SUBJECT_BYTES));
    else for await (const { chunk, subjects } of plannedSubjects(ctx, chunks)) distinct.add(subjects ?? (await backfill.hash(chunk)));
  } finally {
    backfill.wipe();
  }
  if (distinct.records !== records) throw new SluiceError('INTERNAL', 'subject hashes do not cover the planned records');
  return distinct.set();
}

/**
 * Hashes of many chunks, de-duplicated: each megabyte is sorted on its own (it fits in cache,
 * where one sort of millions of keys does not), and the sorted runs merged like a binary counter
 * (runs of similar size together), so every key is sorted once and copied O(log n) times.
 */
class DistinctSubjects {
  readonly #runs: SubjectSet[] = [];
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  records = 0;

  add(hashes: Uint8Array): void {
    fillAbsent(hashes);
    this.#pending.push(hashes);
    this.#pendingBytes += hashes.length;
    this.records += hashes.length / SUBJECT_BYTES;
    if (this.#pendingBytes >= 1 << 20) this.#sortPending();
  }

  set(): SubjectSet {
    this.#sortPending();
    let set = SubjectSet.fromPacked(new Uint8Array(0));
    while (this.#runs.length > 0) set = this.#runs.pop()!.merge(set);
    return set;
  }

  #sortPending(): void {
    if (this.#pending.length === 0) return;
    let run = SubjectSet.fromPacked(this.#pending.length === 1 ? this.#pending[0]! : concatBytes(...this.#pending));
    this.#pending = [];
    this.#pendingBytes = 0;
    while (this.#runs.length > 0 && this.#runs.at(-1)!.size <= 2 * run.size) run = this.#runs.pop()!.merge(run);
    this.#runs.push(run);
  }
}

/**
 * Chunks stored before subject hashes were kept (migration 0030) get them on their first
 * transfer, once: the only case where keys are unwrapped before compliance has decided.
 */
class SubjectBackfill {
  #keys: { dek: Uint8Array; counting: Uint8Array } | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly dataset: DatasetRow,
    private readonly owner: Party,
  ) {}

  async hash(chunk: PlannedChunk): Promise<Uint8Array> {
    const { dek, counting } = await this.#unwrapped();
    const { records } = await readPlannedChunk(this.ctx, this.dataset, dek, { ...chunk, take: Number.MAX_SAFE_INTEGER });
    const hashes = hashSubjects(records, this.dataset.subject_field!, counting);
    await storeChunkSubjects(this.ctx, chunk, hashes);
    return hashes.slice(0, chunk.take * SUBJECT_BYTES);
  }

  wipe(): void {
    this.#keys?.dek.fill(0);
    this.#keys?.counting.fill(0);
  }

  async #unwrapped(): Promise<{ dek: Uint8Array; counting: Uint8Array }> {
    if (this.#keys) return this.#keys;
    const dek = await unwrapDatasetKey(this.ctx, this.dataset);
    try {
      const secret = await ownerSecret(this.ctx, this.owner);
      this.#keys = { dek, counting: subjectCountingKey(secret) };
      secret.fill(0);
      return this.#keys;
    } catch (error) {
      dek.fill(0);
      throw error;
    }
  }
}

/** Records without a subject get a random identifier each: distinct from everyone, linkable to nothing. */
function fillAbsent(packed: Uint8Array): void {
  const absent: number[] = [];
  for (let i = 0; i < packed.length; i += SUBJECT_BYTES) {
    let k = 0;
    while (k < SUBJECT_BYTES && packed[i + k] === 0) k++;
    if (k === SUBJECT_BYTES) absent.push(i);
  }
  const random = randomBytes(absent.length * SUBJECT_BYTES);
  absent.forEach((at, n) => packed.set(random.subarray(n * SUBJECT_BYTES, (n + 1) * SUBJECT_BYTES), at));
}
