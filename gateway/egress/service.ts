import { SluiceError } from '../../common/index.ts';
import { createKeyedHash, hkdf, sm3Hex } from '../../crypto/index.ts';
import type { LedgerRecord } from '../../ledger/index.ts';
import { enqueue } from '../anchoring/outbox.ts';
import { requireParty, type Party, type Principal } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { anyContractTerms, getContract, isEgressTerms, transformSecretContext, type ContractRow } from '../contracts/service.ts';
import type { EgressTerms } from '../contracts/schemas.ts';
import { createRedactionTokens, createRedactor, deriveTransformKeys, type RedactionTokens } from '../desensitize/index.ts';
import { ENTITY_CATEGORY, type EntityKind } from '../discovery/index.ts';
import { newId } from '../ids.ts';
import { getParty, ownerSecret } from '../parties/service.ts';
import { assertContractUsable } from '../transfers/checks.ts';
import { candidateFilings, clearSubjects, releaseFooting, type ComplianceClearance } from '../transfers/compliance-gate.ts';
import { redactRequest, type PromptFindings } from './messages.ts';
import type { ChatCompletionRequest } from './schemas.ts';

/** A prompt cleared to leave: the redacted body, where it goes, and the key to restore the answer. */
export interface ReleasedPrompt {
  egressId: string;
  endpoint: string;
  body: string;
  tokens: RedactionTokens;
}

/**
 * Everything before a prompt leaves, in the order a transfer does it: the caller owns the
 * contract, it is an approved, unrevoked, unexpired ai_egress contract whose purposes include
 * the declared one, the provider still has an endpoint; the contract key comes from the KMS
 * for this request only; the prompt is redacted in token mode; the persons it names are
 * counted by keyed hash and the compliance engine clears (or blocks) the export; the `egress`
 * record (counts per kind, never values) is committed to the outbox and to `egress_calls` (for
 * the annual report) in the same transaction as the counts, then anchored. Only then is the prompt handed back for sending.
 */
export async function releasePrompt(ctx: GatewayContext, principal: Principal, contractId: string, request: ChatCompletionRequest): Promise<ReleasedPrompt> {
  const owner = requireParty(principal, ['domestic']);
  const contract = await getContract(ctx, contractId);
  if (contract.owner_id !== owner.id) throw new SluiceError('FORBIDDEN', 'only the contract owner may send prompts under it');
  const terms = anyContractTerms(contract);
  if (!isEgressTerms(terms)) throw new SluiceError('VALIDATION_FAILED', 'this is not an ai_egress contract', { field: 'contractId' });
  const now = ctx.now();
  assertContractUsable(contract, terms, request.purpose, now);
  const provider = await getParty(ctx, contract.recipient_id);
  if (provider.endpoint === null) throw new SluiceError('CONFLICT', 'the provider no longer has an endpoint');

  const keys = await unwrapKeys(ctx, contract, owner);
  try {
    const tokens = createRedactionTokens(keys.tokenize);
    const { outgoing, findings } = redactRequest(request, createRedactor({ mode: 'token', tokenizeKey: keys.tokenize }));
    const body = JSON.stringify(outgoing);
    const egressId = newId('egr');
    const batch = personsOf(findings, keys.counting);
    const createdAt = now.toISOString();
    const filings = await candidateFilings(ctx, owner.id, createdAt);
    const record = await ctx.db.transaction().execute(async (trx) => {
      const clearance = await clearSubjects(ctx, trx, { exporter: owner, terms, batch, important: false, core: false, at: now, filings });
      const record = egressRecord({ egressId, contract, terms, provider, request, findings, batch, body, createdAt, clearance });
      await enqueue(trx, record);
      await trx
        .insertInto('egress_calls')
        .values({ id: egressId, contract_id: contract.id, exporter_id: owner.id, recipient_id: provider.id, created_at: createdAt, record: JSON.stringify(record) })
        .execute();
      return record;
    });
    await ctx.relay.anchor(record.id);
    return { egressId, endpoint: provider.endpoint, body, tokens };
  } finally {
    keys.wipe();
  }
}

interface EgressKeys {
  tokenize: Uint8Array;
  counting: Uint8Array;
  wipe(): void;
}

/** The contract's tokenize key and the owner's subject-counting key, unwrapped by the KMS for this request. */
async function unwrapKeys(ctx: GatewayContext, contract: ContractRow, owner: Party): Promise<EgressKeys> {
  const held: Uint8Array[] = [];
  const hold = (key: Uint8Array) => (held.push(key), key);
  const wipe = () => held.forEach((key) => key.fill(0));
  try {
    const contractSecret = hold(await ctx.kms.decrypt(contract.kek_id, contract.secret, transformSecretContext(contract.id)));
    const ownerScope = hold(await ownerSecret(ctx, owner));
    const tokenize = hold(Uint8Array.from(deriveTransformKeys(contractSecret).tokenize));
    const counting = hold(hkdf('sm3', ownerScope, new Uint8Array(0), 'sluice.subject-count.v1', 32));
    return { tokenize, counting, wipe };
  } catch (error) {
    wipe();
    throw error;
  }
}

/**
 * Persons named in a prompt, by keyed hash of each identifying value (the same counting key and
 * hash as a transfer's subject field, so a resident ID sent both ways is one person). Each
 * distinct value counts as one person — several values of one person are counted several
 * times, the conservative reading when a prompt cannot say who is who. A USCC names an
 * organisation and counts nobody.
 */
function personsOf(findings: PromptFindings, countingKey: Uint8Array): PromptPersons {
  const hash = createKeyedHash('hmac-sm3', countingKey);
  const personal = new Map<string, Uint8Array>();
  const sensitive = new Map<string, Uint8Array>();
  for (const { kind, value } of findings.values) {
    const category = ENTITY_CATEGORY[kind];
    if (category === 'general') continue;
    const digest = hash.digest(value);
    (category === 'sensitive' ? sensitive : personal).set(Buffer.from(digest).toString('base64'), digest);
  }
  return { personal: [...personal.values()], sensitive: [...sensitive.values()] };
}

/** Keyed hashes of the persons a prompt names, by the category of what it says about them. */
interface PromptPersons {
  personal: Uint8Array[];
  sensitive: Uint8Array[];
}

interface EgressRecordInput {
  egressId: string;
  contract: ContractRow;
  terms: EgressTerms;
  provider: Party;
  request: ChatCompletionRequest;
  findings: PromptFindings;
  batch: PromptPersons;
  body: string;
  createdAt: string;
  clearance: ComplianceClearance;
}

/** The ledger's account of one prompt: who, to whom, why, under which mechanism, how many of each kind — never a value. */
function egressRecord(input: EgressRecordInput): LedgerRecord {
  const { contract, terms, clearance } = input;
  return {
    id: input.egressId,
    type: 'egress',
    timestamp: input.createdAt,
    contractId: contract.id,
    exporterId: contract.owner_id,
    data: {
      egressId: input.egressId,
      contractId: contract.id,
      contractDigest: contract.digest,
      exporterId: contract.owner_id,
      recipientId: contract.recipient_id,
      endpoint: input.provider.endpoint,
      model: input.request.model,
      purpose: input.request.purpose,
      legalBasis: terms.legalBasis,
      scenario: terms.scenario,
      messages: input.request.messages.length,
      stream: input.request.stream === true,
      entities: sortedCounts(input.findings.counts),
      subjects: { personal: input.batch.personal.length, sensitive: input.batch.sensitive.length },
      requestDigest: sm3Hex(input.body),
      ...releaseFooting(terms, clearance),
    },
  };
}

function sortedCounts(counts: Partial<Record<EntityKind, number>>): Record<string, number> {
  return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}
