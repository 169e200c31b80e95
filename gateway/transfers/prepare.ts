import { SluiceError } from '../../common/index.ts';
import { randomBytes } from '../../crypto/index.ts';
import { SUBJECT_BYTES, SubjectSet } from '../compliance/index.ts';
import type { Party } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { contractTerms, getContract, type ContractRow } from '../contracts/service.ts';
import type { ContractTerms, FieldPolicyInput } from '../contracts/schemas.ts';
import type { DatasetField } from '../datasets/schemas.ts';
import { datasetFields, getDataset, planChunks, plannedSubjects, readPlannedChunk, storeChunkSubjects, unwrapDatasetKey, type DatasetRow, type PlannedChunk } from '../datasets/service.ts';
import { hashSubjects, subjectCountingKey } from '../datasets/subjects.ts';
import { getParty, ownerSecret } from '../parties/service.ts';
import { assertContractUsable, recordAllowance } from './checks.ts';
import { candidateFilings, precheckExport, type ReleasedField } from './compliance-gate.ts';

export interface TransferRequest {
  contractId: string;
  purpose: string;
  limit?: number;
}

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
  const dataset = await getDataset(ctx, contract.dataset_id);
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
  const packed = new Uint8Array(records * SUBJECT_BYTES);
  const missing: Array<{ chunk: PlannedChunk; at: number }> = [];
  let at = 0;
  for (const chunk of chunks) {
    const stored = dataset.subject_field === null ? null : await plannedSubjects(ctx, chunk);
    if (stored) packed.set(stored, at);
    else if (dataset.subject_field !== null) missing.push({ chunk, at });
    at += chunk.take * SUBJECT_BYTES;
  }
  if (missing.length > 0) await backfillSubjects(ctx, dataset, owner, missing, packed);
  fillAbsent(packed);
  return SubjectSet.fromPacked(packed);
}

/** Chunks stored before subject hashes were kept get them now, once; this needs the keys. */
async function backfillSubjects(ctx: GatewayContext, dataset: DatasetRow, owner: Party, missing: Array<{ chunk: PlannedChunk; at: number }>, packed: Uint8Array): Promise<void> {
  const dek = await unwrapDatasetKey(ctx, dataset);
  let key: Uint8Array | undefined;
  try {
    const secret = await ownerSecret(ctx, owner);
    key = subjectCountingKey(secret);
    secret.fill(0);
    for (const { chunk, at } of missing) {
      const whole = { ...chunk, take: Number.MAX_SAFE_INTEGER };
      const hashes = hashSubjects((await readPlannedChunk(ctx, dataset, dek, whole)).records, dataset.subject_field!, key);
      await storeChunkSubjects(ctx, chunk, hashes);
      packed.set(hashes.subarray(0, chunk.take * SUBJECT_BYTES), at);
    }
  } finally {
    dek.fill(0);
    key?.fill(0);
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
