import { SluiceError } from '../../common/index.ts';
import { createKeyedHash, hkdf, sm3Hex } from '../../crypto/index.ts';
import type { LedgerRecord } from '../../ledger/index.ts';
import { createDesensitizer, createFieldEncryptor, deriveTransformKeys, encryptAlgorithms, type EncryptAlg } from '../desensitize/index.ts';
import { enqueue, type OutboxRelay } from '../anchoring/outbox.ts';
import type { Party, Principal } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { contractDatasetId, contractTerms, getContract, transformSecretContext, type ContractRow } from '../contracts/service.ts';
import type { ContractTerms, FieldPolicyInput } from '../contracts/schemas.ts';
import type { TransfersTable } from '../db/schema.ts';
import { datasetFields, getDataset, readRecords, unwrapDatasetKey, type DatasetRow } from '../datasets/service.ts';
import type { DataRecord } from '../datasets/records.ts';
import type { DatasetField } from '../datasets/schemas.ts';
import { newId } from '../ids.ts';
import { sealPackage } from '../package/envelope.ts';
import { getParty, ownerSecret } from '../parties/service.ts';
import { assertContractUsable, recordAllowance } from './checks.ts';
import { candidateFilings, clearForExport, type ComplianceClearance } from './compliance-gate.ts';

export type TransferRow = TransfersTable;

export interface TransferRequest {
  contractId: string;
  purpose: string;
  limit?: number;
}

interface DeliveredField {
  name: string;
  category: DatasetField['category'];
  policy: FieldPolicyInput;
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

export async function createTransfer(ctx: GatewayContext, relay: OutboxRelay, recipient: Party, request: TransferRequest) {
  const contract = await getContract(ctx, request.contractId);
  if (contract.recipient_id !== recipient.id) throw new SluiceError('FORBIDDEN', 'only the contract recipient may transfer under it');
  const terms = contractTerms(contract);
  const now = ctx.now();
  assertContractUsable(contract, terms, request.purpose, now);
  const allowance = recordAllowance(terms, request.limit);
  if (!recipient.public_key) throw new SluiceError('VALIDATION_FAILED', 'register an SM2 public key before receiving packages');
  const dataset = await getDataset(ctx, contractDatasetId(contract));
  const delivered = deliveredFields(terms, datasetFields(dataset));
  if (delivered.some((f) => f.category === 'core')) {
    throw new SluiceError('CORE_DATA_PROHIBITED', 'core data may not be provided abroad (R-CORE)', { rules: ['R-CORE'] });
  }
  const owner = await getParty(ctx, contract.owner_id);
  const transferId = newId('trf');

  // Every key comes from the KMS for this request only; if it is unreachable nothing is released.
  const material = await unwrapKeys(ctx, { contract, dataset, owner, transferId, delivered });
  try {
    const records = await collect(readRecords(ctx, dataset, material.dek, allowance));
    const subjects = subjectHashes(records, dataset.subject_field, material.countingKey, transferId);
    const transformed = transform(delivered, records, material, terms.fingerprint === true);
    const ndjson = new TextEncoder().encode(transformed.map((r) => JSON.stringify(r)).join('\n') + (transformed.length ? '\n' : ''));
    const createdAt = now.toISOString();
    const packageBytes = sealPackage(
      recipient.public_key,
      { transferId, contractId: contract.id, recipientId: recipient.id, createdAt, records: records.length },
      ndjson,
    );
    const packageDigest = sm3Hex(packageBytes);
    const filings = await candidateFilings(ctx, owner.id, createdAt);
    const released = delivered.map((f) => ({ name: f.name, category: f.category, transform: f.policy.transform }));
    const receipt = await ctx.db.transaction().execute(async (trx) => {
      const clearance = await clearForExport(ctx, trx, { exporter: owner, terms, fields: released, subjects, at: now, filings });
      const receipt = receiptRecord({ transferId, contract, terms, purpose: request.purpose, createdAt, delivered, records: records.length, subjects: subjects.length, packageDigest, clearance });
      await trx
        .insertInto('transfers')
        .values({
          id: transferId,
          contract_id: contract.id,
          exporter_id: owner.id,
          recipient_id: recipient.id,
          dataset_id: dataset.id,
          purpose: request.purpose,
          records: records.length,
          subjects: subjects.length,
          wrapped_field_key: material.wrappedFieldKeys,
          receipt: JSON.stringify(receipt),
          package_digest: packageDigest,
          created_at: createdAt,
        })
        .execute();
      await trx.insertInto('transfer_packages').values({ transfer_id: transferId, package: packageBytes }).execute();
      await enqueue(trx, receipt);
      return receipt;
    });
    await relay.anchor(receipt.id);
    return { id: transferId, status: 'completed' as const, records: records.length, subjects: subjects.length, receipt };
  } finally {
    material.wipe();
  }
}

interface KeyMaterial {
  dek: Uint8Array;
  contractSecret: Uint8Array;
  ownerScopeSecret: Uint8Array;
  countingKey: Uint8Array;
  /** Fresh data keys for `encrypt` fields, one per algorithm the contract uses. */
  fieldKeys: Map<EncryptAlg, Uint8Array>;
  /** Their KMS-wrapped forms by algorithm (JSON), kept with the transfer for the owner to decrypt. */
  wrappedFieldKeys: string | null;
  transferId: string;
  wipe(): void;
}

const FIELD_KEY_BYTES: Record<EncryptAlg, number> = { SM4: 16, 'AES-256-GCM': 32 };

async function unwrapKeys(
  ctx: GatewayContext,
  input: { contract: ContractRow; dataset: DatasetRow; owner: Party; transferId: string; delivered: DeliveredField[] },
): Promise<KeyMaterial> {
  const { contract, transferId } = input;
  const held: Uint8Array[] = [];
  const hold = (key: Uint8Array) => (held.push(key), key);
  const wipe = () => held.forEach((key) => key.fill(0));
  try {
    const dek = hold(await unwrapDatasetKey(ctx, input.dataset));
    const contractSecret = hold(await ctx.kms.decrypt(contract.kek_id, contract.secret, transformSecretContext(contract.id)));
    const ownerScopeSecret = hold(await ownerSecret(ctx, input.owner));
    const fieldKeys = new Map<EncryptAlg, Uint8Array>();
    const wrapped: Record<string, string> = {};
    const policies = Object.fromEntries(input.delivered.map((f) => [f.name, f.policy]));
    for (const alg of encryptAlgorithms(policies)) {
      const context = { purpose: 'field-encrypt', contractId: contract.id, transferId, alg };
      const key = await ctx.kms.dataKey(contract.kek_id, context, { bytes: FIELD_KEY_BYTES[alg] });
      fieldKeys.set(alg, hold(key.plaintext));
      wrapped[alg] = key.ciphertext;
    }
    const countingKey = hold(hkdf('sm3', ownerScopeSecret, new Uint8Array(0), 'sluice.subject-count.v1', 32));
    return {
      dek,
      contractSecret,
      ownerScopeSecret,
      countingKey,
      fieldKeys,
      wrappedFieldKeys: fieldKeys.size > 0 ? JSON.stringify(wrapped) : null,
      transferId,
      wipe,
    };
  } catch (error) {
    // A KMS failure half-way must not leave the keys already unwrapped in memory.
    wipe();
    throw error;
  }
}

async function collect(batches: AsyncIterable<DataRecord[]>): Promise<DataRecord[]> {
  const all: DataRecord[] = [];
  for await (const batch of batches) for (const record of batch) all.push(record);
  return all;
}

/**
 * Distinct persons in this transfer, as keyed hashes of the subject field (never the raw
 * identifier). Without a subject field every record counts as a new person: the conservative
 * reading when de-duplication is impossible.
 */
function subjectHashes(records: DataRecord[], subjectField: string | null, countingKey: Uint8Array, transferId: string): Uint8Array[] {
  const hash = createKeyedHash('hmac-sm3', countingKey);
  const distinct = new Map<string, Uint8Array>();
  records.forEach((record, index) => {
    const value = subjectField ? record[subjectField] : null;
    const digest = hash.digest(value === null || value === undefined ? `\u0000row/${transferId}/${index}` : String(value));
    distinct.set(Buffer.from(digest).toString('base64'), digest);
  });
  return [...distinct.values()];
}

/**
 * Canary rows per real row in fingerprinted packages: 1 % lets a leak of a few thousand rows
 * with a single near-unique column left name its recipient (each mark carries 8 bits).
 */
const FINGERPRINT_RATE = 0.01;

/**
 * One engine for the whole transfer: contract-scoped and owner-scoped fields take keys from
 * their own secrets (SURFACE: `scope`), and a fingerprinted contract gets canary rows keyed to
 * this recipient for leak tracing.
 */
function transform(delivered: DeliveredField[], records: DataRecord[], material: KeyMaterial, fingerprint: boolean): DataRecord[] {
  const keys = { contract: deriveTransformKeys(material.contractSecret), owner: deriveTransformKeys(material.ownerScopeSecret) };
  const encryptors = new Map([...material.fieldKeys].map(([alg, key]) => [alg, createFieldEncryptor(alg, key, material.transferId)]));
  const policies = Object.fromEntries(delivered.map((f) => [f.name, f.policy]));
  const desensitizer = createDesensitizer(policies, (scope) => keys[scope], {
    ...(encryptors.size > 0 ? { encryptor: (alg: EncryptAlg) => encryptors.get(alg)! } : {}),
    ...(fingerprint ? { fingerprint: { key: keys.contract.fingerprint, rate: FINGERPRINT_RATE } } : {}),
  });
  return desensitizer.transformAll(records) as DataRecord[];
}

interface ReceiptInput {
  transferId: string;
  contract: ContractRow;
  terms: ContractTerms;
  purpose: string;
  createdAt: string;
  delivered: DeliveredField[];
  records: number;
  subjects: number;
  packageDigest: string;
  clearance: ComplianceClearance;
}

/** The receipt is the ledger record itself: digests, counts and categories, never values. */
function receiptRecord(input: ReceiptInput): LedgerRecord {
  const { contract, terms } = input;
  return {
    id: input.transferId,
    type: 'transfer.receipt',
    timestamp: input.createdAt,
    contractId: contract.id,
    exporterId: contract.owner_id,
    data: {
      transferId: input.transferId,
      contractId: contract.id,
      contractDigest: contract.digest,
      datasetId: contract.dataset_id,
      exporterId: contract.owner_id,
      recipientId: contract.recipient_id,
      purpose: input.purpose,
      legalBasis: terms.legalBasis,
      scenario: terms.scenario,
      records: input.records,
      subjects: input.subjects,
      fields: input.delivered.map((f) => ({ name: f.name, category: f.category, transform: f.policy.transform })),
      packageDigest: input.packageDigest,
      destination: terms.destination,
      retentionDays: terms.retentionDays,
      onwardTransfer: terms.onwardTransfer,
      mechanism: input.clearance.assessment.mechanism,
      regime: input.clearance.assessment.regime,
      rules: input.clearance.assessment.rules,
      filingReference: input.clearance.filingReference,
      counted: input.clearance.counted,
    },
  };
}

export async function getTransfer(ctx: GatewayContext, id: string): Promise<TransferRow> {
  const transfer = await ctx.db.selectFrom('transfers').selectAll().where('id', '=', id).executeTakeFirst();
  if (!transfer) throw new SluiceError('NOT_FOUND', 'transfer not found');
  return transfer;
}

/** Receipts are for the recipient, the exporter and regulators; packages for the recipient alone. */
export function assertMayReadReceipt(principal: Principal, transfer: TransferRow): void {
  if (principal.role === 'admin') return;
  const { party } = principal;
  if (party.id === transfer.recipient_id || party.id === transfer.exporter_id || party.kind === 'regulator') return;
  throw new SluiceError('FORBIDDEN', 'not a party to this transfer');
}

export async function getPackage(ctx: GatewayContext, principal: Principal, id: string): Promise<Uint8Array> {
  const transfer = await getTransfer(ctx, id);
  if (principal.role !== 'party' || principal.party.id !== transfer.recipient_id) {
    throw new SluiceError('FORBIDDEN', 'only the recipient may download the package');
  }
  const row = await ctx.db.selectFrom('transfer_packages').select('package').where('transfer_id', '=', id).executeTakeFirstOrThrow();
  return row.package;
}
