import { SluiceError } from '../../common/index.ts';
import { canonicalize, sm2Verify, sm3Hex } from '../../crypto/index.ts';
import type { LedgerRecord } from '../../ledger/index.ts';
import { enforceMinK, kAnonymity, quasiIdentifiersOf, validateFieldPolicies } from '../desensitize/index.ts';
import { enqueue, type AnchorResult } from '../anchoring/outbox.ts';
import type { Party, Principal } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import type { ContractsTable } from '../db/schema.ts';
import { datasetFields, getDataset, type DatasetRow } from '../datasets/service.ts';
import { newId } from '../ids.ts';
import { newWrappedKey } from '../keys.ts';
import { getParty } from '../parties/service.ts';
import { validateDisclosureTerms } from '../compute/disclosure/terms.ts';
import { transformedSample, WARN_BELOW_K } from './risk.ts';
import type { ContractInput, ContractTerms, EgressTerms } from './schemas.ts';

type DataContractInput = ContractInput & Required<Pick<ContractInput, 'datasetId' | 'fields'>>;

export type ContractRow = ContractsTable;

export function transformSecretContext(contractId: string): Record<string, string> {
  return { purpose: 'transform-keys', contractId };
}

export async function createContract(ctx: GatewayContext, owner: Party, input: ContractInput) {
  if (input.kind === 'ai_egress') return createEgressContract(ctx, owner, input);
  if (input.datasetId === undefined) throw new SluiceError('VALIDATION_FAILED', 'a data contract needs datasetId', { field: 'datasetId' });
  if (input.fields === undefined) throw new SluiceError('VALIDATION_FAILED', 'a data contract needs fields', { field: 'fields' });
  const dataInput = { ...input, datasetId: input.datasetId, fields: input.fields };
  const dataset = await getDataset(ctx, dataInput.datasetId);
  if (dataset.owner_id !== owner.id) throw new SluiceError('FORBIDDEN', 'only the dataset owner may offer it under a contract');
  const recipient = await recipientOf(ctx, owner, input.recipientId);
  const fields = datasetFields(dataset);
  validateFieldPolicies(dataInput.fields, fields);
  if (dataInput.disclosure) validateDisclosureTerms(dataInput.disclosure, dataInput.fields);
  // R-CORE: core data must not leave the country, in any form.
  if (Object.keys(dataInput.fields).some((name) => fields.find((f) => f.name === name)?.category === 'core')) {
    throw new SluiceError('CORE_DATA_PROHIBITED', 'core data may not be provided abroad (R-CORE)', { rules: ['R-CORE'] });
  }
  const warnings = await reidentificationCheck(ctx, dataset, dataInput);
  const id = newId('ctr');
  const createdAt = ctx.now().toISOString();
  const terms = buildTerms(id, owner.id, dataInput, createdAt);
  const stored = await insertContract(ctx, { id, datasetId: dataset.id, owner, recipient, terms });
  return { ...stored, ...(warnings.length > 0 ? { warnings } : {}) };
}

async function recipientOf(ctx: GatewayContext, owner: Party, recipientId: string): Promise<Party> {
  const recipient = await getParty(ctx, recipientId).catch(() => {
    throw new SluiceError('VALIDATION_FAILED', 'recipient is not a registered party', { field: 'recipientId' });
  });
  if (recipient.kind === 'regulator' || recipient.id === owner.id) {
    throw new SluiceError('VALIDATION_FAILED', 'the recipient must be another data-exchange party', { field: 'recipientId' });
  }
  return recipient;
}

/** Terms of a data contract that an egress contract cannot have: it carries prompts, always redacted in token mode. */
const NOT_FOR_EGRESS = ['datasetId', 'fields', 'maxRecordsPerTransfer', 'minK', 'fingerprint', 'modality', 'disclosure'] as const;

async function createEgressContract(ctx: GatewayContext, owner: Party, input: ContractInput) {
  const extra = NOT_FOR_EGRESS.find((field) => input[field] !== undefined);
  if (extra !== undefined) throw new SluiceError('VALIDATION_FAILED', `an ai_egress contract takes no ${extra}`, { field: extra });
  const recipient = await recipientOf(ctx, owner, input.recipientId);
  if (recipient.kind !== 'overseas' || recipient.endpoint === null) {
    throw new SluiceError('VALIDATION_FAILED', 'the recipient of an ai_egress contract must be an overseas party with an endpoint', { field: 'recipientId' });
  }
  const id = newId('ctr');
  const createdAt = ctx.now().toISOString();
  const terms: EgressTerms = {
    contractId: id,
    kind: 'ai_egress',
    ownerId: owner.id,
    recipientId: recipient.id,
    ...sharedTerms(input, createdAt),
    prompts: { transform: 'redact', mode: 'token' },
  };
  return insertContract(ctx, { id, datasetId: null, owner, recipient, terms });
}

/**
 * Stores a proposed contract with its own KMS key and transform secret. A key per contract
 * lets revocation with a deletion duty shred exactly this contract's tokens and encrypted
 * fields (crypto-shredding), leaving other contracts untouched.
 */
async function insertContract(
  ctx: GatewayContext,
  row: { id: string; datasetId: string | null; owner: Party; recipient: Party; terms: ContractTerms | EgressTerms },
) {
  const { id, terms } = row;
  if (Date.parse(terms.validUntil) <= Date.parse(terms.validFrom)) {
    throw new SluiceError('VALIDATION_FAILED', 'validUntil must be after validFrom', { field: 'validUntil' });
  }
  const canonical = canonicalize(terms);
  const digest = sm3Hex(canonical);
  const { keyId } = await ctx.kms.createKey('SM4', { purpose: `contract:${id}` });
  const secret = await newWrappedKey(ctx.kms, keyId, transformSecretContext(id));
  await ctx.db
    .insertInto('contracts')
    .values({
      id,
      dataset_id: row.datasetId,
      owner_id: row.owner.id,
      recipient_id: row.recipient.id,
      status: 'pending',
      terms: canonical,
      digest,
      signature: null,
      valid_from: terms.validFrom,
      valid_until: terms.validUntil,
      kek_id: keyId,
      secret,
      created_at: terms.createdAt,
      approved_at: null,
      revoked_at: null,
    })
    .execute();
  return { id, status: 'pending' as const, terms, digest };
}

/**
 * k-anonymity of the quasi-identifiers the contract releases, computed on the stored records
 * after the contract's transforms. With `minK` the owner asked for a floor: below it the
 * contract is refused (GROUP_TOO_SMALL); without, a low k is reported as a warning.
 */
async function reidentificationCheck(ctx: GatewayContext, dataset: DatasetRow, input: DataContractInput): Promise<string[]> {
  const quasi = quasiIdentifiersOf(input.fields);
  if (quasi.length === 0 || dataset.record_count === 0) return [];
  const policies = Object.fromEntries(quasi.map((name) => [name, input.fields[name]]));
  const transformed = await transformedSample(ctx, dataset, policies);
  if (input.minK !== undefined) {
    enforceMinK(transformed, policies, { minK: input.minK });
    return [];
  }
  const { k } = kAnonymity(transformed, quasi, 0);
  return k < WARN_BELOW_K ? [`released quasi-identifiers (${quasi.join(', ')}) are ${k}-anonymous on the stored records; consider coarser transforms or minK`] : [];
}

function buildTerms(contractId: string, ownerId: string, input: DataContractInput, createdAt: string): ContractTerms {
  const terms: ContractTerms = {
    contractId,
    datasetId: input.datasetId,
    ownerId,
    recipientId: input.recipientId,
    ...sharedTerms(input, createdAt),
    fields: input.fields,
  };
  if (input.maxRecordsPerTransfer !== undefined) terms.maxRecordsPerTransfer = input.maxRecordsPerTransfer;
  if (input.minK !== undefined) terms.minK = input.minK;
  if (input.modality !== undefined) terms.modality = input.modality;
  if (input.fingerprint !== undefined) terms.fingerprint = input.fingerprint;
  if (input.disclosure !== undefined) terms.disclosure = input.disclosure;
  return terms;
}

/** The terms every contract has, whatever it covers. */
function sharedTerms(input: ContractInput, createdAt: string) {
  return {
    purposes: input.purposes,
    legalBasis: input.legalBasis,
    scenario: input.scenario ?? 'general',
    validFrom: toInstant(input.validFrom ?? createdAt, 'validFrom'),
    validUntil: toInstant(input.validUntil, 'validUntil'),
    retentionDays: input.retentionDays,
    onwardTransfer: input.onwardTransfer,
    destination: input.destination,
    createdAt,
  };
}

function toInstant(value: string, field: string): string {
  const ms = Date.parse(value.length === 10 ? `${value}T00:00:00Z` : value);
  if (Number.isNaN(ms)) throw new SluiceError('VALIDATION_FAILED', `${field} is not a valid date`, { field });
  return new Date(ms).toISOString();
}

export function contractTerms(contract: ContractRow): ContractTerms {
  return JSON.parse(contract.terms) as ContractTerms;
}

/** Terms of either kind, for the paths that serve both (approval, revocation, reading). */
export function anyContractTerms(contract: ContractRow): ContractTerms | EgressTerms {
  return JSON.parse(contract.terms) as ContractTerms | EgressTerms;
}

export function isEgressTerms(terms: ContractTerms | EgressTerms): terms is EgressTerms {
  return (terms as EgressTerms).kind === 'ai_egress';
}

/** The dataset a data contract covers; an AI egress contract covers prompts, so dataset routes refuse it. */
export function contractDatasetId(contract: ContractRow): string {
  if (contract.dataset_id === null) throw new SluiceError('VALIDATION_FAILED', 'an AI egress contract covers prompts, not a dataset', { field: 'contractId' });
  return contract.dataset_id;
}

export async function getContract(ctx: GatewayContext, id: string): Promise<ContractRow> {
  const contract = await ctx.db.selectFrom('contracts').selectAll().where('id', '=', id).executeTakeFirst();
  if (!contract) throw new SluiceError('NOT_FOUND', 'contract not found');
  return contract;
}

/** Owner, recipient and regulators may read a contract; nobody else learns its terms. */
export function assertMayReadContract(principal: Principal, contract: ContractRow): void {
  if (principal.role === 'admin') return;
  const { party } = principal;
  if (party.id === contract.owner_id || party.id === contract.recipient_id || party.kind === 'regulator') return;
  throw new SluiceError('FORBIDDEN', 'not a party to this contract');
}

export function assertOwner(principal: Principal, contract: ContractRow): Party {
  if (principal.role !== 'party' || principal.party.id !== contract.owner_id) {
    throw new SluiceError('FORBIDDEN', 'only the data owner may do this');
  }
  return principal.party;
}

export async function approveContract(ctx: GatewayContext, owner: Party, contract: ContractRow, signature: string): Promise<AnchorResult> {
  if (contract.status === 'revoked') throw new SluiceError('CONTRACT_REVOKED', 'contract was revoked');
  if (contract.status === 'approved') throw new SluiceError('CONFLICT', 'contract is already approved');
  if (!owner.public_key) {
    throw new SluiceError('SIGNATURE_INVALID', 'the owner has no registered SM2 public key to verify against');
  }
  if (!sm2Verify(contract.terms, signature.toLowerCase(), owner.public_key)) {
    throw new SluiceError('SIGNATURE_INVALID', 'signature does not verify over the canonical terms');
  }
  const approvedAt = ctx.now().toISOString();
  const record = approvalRecord(contract, owner, signature.toLowerCase(), approvedAt);
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('contracts')
      .set({ status: 'approved', signature: signature.toLowerCase(), approved_at: approvedAt })
      .where('id', '=', contract.id)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new SluiceError('CONFLICT', 'contract changed concurrently');
    await enqueue(trx, record);
  });
  return ctx.relay.anchor(record.id);
}

/** The ledger carries the digest and signature (provable approval), never the terms' values. */
function approvalRecord(contract: ContractRow, owner: Party, signature: string, timestamp: string): LedgerRecord {
  const terms = anyContractTerms(contract);
  return {
    id: `${contract.id}.approved`,
    type: 'contract.approved',
    timestamp,
    contractId: contract.id,
    exporterId: owner.id,
    data: {
      digest: contract.digest,
      signature,
      signerPublicKey: owner.public_key ?? '',
      datasetId: contract.dataset_id,
      recipientId: contract.recipient_id,
      purposes: terms.purposes,
      transforms: isEgressTerms(terms) ? { prompts: terms.prompts.transform } : Object.fromEntries(Object.entries(terms.fields).map(([name, policy]) => [name, policy.transform])),
      legalBasis: terms.legalBasis,
      scenario: terms.scenario,
      validFrom: terms.validFrom,
      validUntil: terms.validUntil,
      destinationCountry: terms.destination.country,
    },
  };
}

export async function revokeContract(ctx: GatewayContext, owner: Party, contract: ContractRow, shred: boolean) {
  if (contract.status === 'revoked') throw new SluiceError('CONTRACT_REVOKED', 'contract was already revoked');
  const revokedAt = ctx.now().toISOString();
  const record: LedgerRecord = {
    id: `${contract.id}.revoked`,
    type: 'contract.revoked',
    timestamp: revokedAt,
    contractId: contract.id,
    exporterId: owner.id,
    data: { digest: contract.digest, shredded: shred },
  };
  // Shredding first fails closed: if the KMS is down nothing changes; if the commit below
  // failed after shredding, transfers would still be refused for want of the key.
  if (shred) await ctx.kms.destroy(contract.kek_id);
  await ctx.db.transaction().execute(async (trx) => {
    const updated = await trx
      .updateTable('contracts')
      .set({ status: 'revoked', revoked_at: revokedAt })
      .where('id', '=', contract.id)
      .where('status', '!=', 'revoked')
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) throw new SluiceError('CONTRACT_REVOKED', 'contract was already revoked');
    await enqueue(trx, record);
  });
  await ctx.relay.anchor(record.id);
  return { status: 'revoked' as const, shredded: shred };
}

export function contractView(contract: ContractRow) {
  return {
    id: contract.id,
    status: contract.status,
    terms: anyContractTerms(contract),
    digest: contract.digest,
    signature: contract.signature,
    approvedAt: contract.approved_at,
    revokedAt: contract.revoked_at,
    createdAt: contract.created_at,
  };
}
