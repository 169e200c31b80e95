import { SluiceError } from '../../common/index.ts';
import type { LedgerRecord } from '../../ledger/index.ts';
import { enqueue, type AnchorResult } from '../anchoring/outbox.ts';
import type { Party } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { getDataset, readColumnChunks, unwrapDatasetKey } from '../datasets/service.ts';
import {
  createRedactionTokens,
  createTokenizer,
  decryptField,
  deriveTransformKeys,
  parseFieldCiphertext,
  parseFieldPolicy,
  type EncryptAlg,
  type KeyScope,
  type ParsedPolicy,
} from '../desensitize/index.ts';
import type { EntityKind } from '../discovery/index.ts';
import { newId } from '../ids.ts';
import { ownerSecret } from '../parties/service.ts';
import type { RevealInput } from './schemas.ts';
import { anyContractTerms, isEgressTerms, transformSecretContext, type ContractRow } from './service.ts';

/** Distinct transfers whose field keys one call may unwrap: each is a KMS round trip. */
export const REVEAL_MAX_TRANSFERS = 32;

export type RevealResult = {
  /** In request order: the text with its tokens restored (`redact`), or the value, or null where nothing was restored. */
  values: (string | null)[];
  /** Tokens (`redact`) or values restored. */
  restored: number;
  /** Token-shaped spans or values that did not restore: forged, altered, another key's, another field's. */
  unrestored: number;
  /** `redact`: tokens restored per kind. */
  entities?: Partial<Record<EntityKind, number>>;
  ledger: AnchorResult;
};

type TokenizeAlg = Extract<ParsedPolicy, { transform: 'tokenize' }>['alg'];

/** What the owner asked to reverse, checked against the signed terms (and the key scope they give it). */
type Target =
  | { transform: 'redact'; field: string | null; scope: KeyScope }
  | { transform: 'tokenize'; field: string; scope: KeyScope; alg: TokenizeAlg }
  | { transform: 'encrypt'; field: string };

/**
 * Restores, for the contract's owner only, what the contract's keyed transforms released:
 * `redact` tokens inside text (an egress contract's prompts, or a data contract's field),
 * `tokenize` values (FF1) and `encrypt` values of a field the owner names with the transform the
 * signed terms give it. The contract key is unwrapped by the KMS for this call only — first of
 * all, so a shredded contract (KEY_DESTROYED) or an unreachable KMS (KMS_UNAVAILABLE) reveals
 * nothing. A forged or altered input restores to nothing: redaction tokens and field ciphertexts
 * carry their own tags, and an FF1 token (which has no room for one) counts only when the value
 * it reverses to is in the contract's dataset under that field. Each call is an `audit.event`
 * on the ledger (counts, never values), durable before the answer leaves.
 */
export async function revealValues(ctx: GatewayContext, owner: Party, contract: ContractRow, input: RevealInput): Promise<RevealResult> {
  if (contract.status === 'pending') throw new SluiceError('CONTRACT_NOT_APPROVED', 'nothing was released under a contract that was never approved');
  const target = targetOf(contract, input);
  const held: Uint8Array[] = [];
  const hold = (key: Uint8Array) => (held.push(key), key);
  try {
    // Unwrapped first whatever the transform: once the contract is shredded, nothing it released comes back.
    const contractSecret = hold(await ctx.kms.decrypt(contract.kek_id, contract.secret, transformSecretContext(contract.id)));
    let outcome: Omit<RevealResult, 'ledger'>;
    if (target.transform === 'encrypt') {
      outcome = await decryptValues(ctx, contract, target.field, input.values, hold);
    } else {
      const scopeSecret = target.scope === 'owner' ? hold(await ownerSecret(ctx, owner)) : contractSecret;
      const tokenizeKey = hold(Uint8Array.from(deriveTransformKeys(scopeSecret).tokenize));
      outcome =
        target.transform === 'redact'
          ? restoreTokens(tokenizeKey, input.values)
          : await detokenizeValues(ctx, contract, target.field, target.alg, tokenizeKey, input.values, hold);
    }
    const ledger = await record(ctx, owner, contract, target, input.values.length, outcome);
    return { ...outcome, ledger };
  } finally {
    held.forEach((key) => key.fill(0));
  }
}

function targetOf(contract: ContractRow, input: RevealInput): Target {
  const transform = input.transform ?? 'redact';
  const terms = anyContractTerms(contract);
  if (isEgressTerms(terms)) {
    if (input.field !== undefined) throw new SluiceError('VALIDATION_FAILED', 'an ai_egress contract has no fields: its prompts are restored without one', { field: 'field' });
    if (transform !== 'redact') throw new SluiceError('VALIDATION_FAILED', 'an ai_egress contract releases prompts through redact only', { field: 'transform' });
    return { transform, field: null, scope: 'contract' };
  }
  if (input.field === undefined) throw new SluiceError('VALIDATION_FAILED', 'name the field whose values to restore', { field: 'field' });
  const signed = Object.hasOwn(terms.fields, input.field) ? terms.fields[input.field] : undefined;
  if (signed === undefined) throw new SluiceError('VALIDATION_FAILED', 'the contract releases no such field', { field: 'field' });
  const policy = parseFieldPolicy(input.field, signed);
  if (policy.transform !== transform) throw new SluiceError('VALIDATION_FAILED', 'the contract releases this field under another transform', { field: 'transform' });
  if (policy.transform === 'redact') {
    if (policy.mode !== 'token') throw new SluiceError('VALIDATION_FAILED', 'redact in tag mode keeps nothing to restore', { field: 'transform' });
    return { transform: 'redact', field: input.field, scope: policy.scope };
  }
  if (policy.transform === 'tokenize') return { transform: 'tokenize', field: input.field, scope: policy.scope, alg: policy.alg };
  return { transform: 'encrypt', field: input.field };
}

function restoreTokens(tokenizeKey: Uint8Array, texts: readonly string[]): Omit<RevealResult, 'ledger'> {
  const tokens = createRedactionTokens(tokenizeKey);
  const entities: Partial<Record<EntityKind, number>> = {};
  let restored = 0;
  let unrestored = 0;
  const values = texts.map((text) => {
    const r = tokens.restoreWithDetails(text);
    for (const [kind, n] of Object.entries(r.restored) as [EntityKind, number][]) {
      entities[kind] = (entities[kind] ?? 0) + n;
      restored += n;
    }
    unrestored += r.unrestored;
    return r.text;
  });
  return { values, restored, unrestored, entities };
}

/**
 * FF1 is a permutation: any string of a token's shape reverses to some value. Only values the
 * dataset holds in that field are given back — a forged or altered token, or one made under
 * another contract sharing the owner key, almost surely reverses to a value it does not hold.
 * That costs one read of the column (numeric columns from their by-column copy).
 */
async function detokenizeValues(
  ctx: GatewayContext,
  contract: ContractRow,
  field: string,
  alg: TokenizeAlg,
  tokenizeKey: Uint8Array,
  tokens: readonly string[],
  hold: (key: Uint8Array) => Uint8Array,
): Promise<Omit<RevealResult, 'ledger'>> {
  const tokenizer = createTokenizer(alg, tokenizeKey);
  const candidates = tokens.map((token) => (token.length === 0 ? undefined : tokenizer.detokenize(token)));
  const wanted = new Set(candidates.filter((c): c is string => c !== undefined));
  const held = new Set<string>();
  if (wanted.size > 0) {
    const dataset = await getDataset(ctx, contract.dataset_id!);
    const dek = hold(await unwrapDatasetKey(ctx, dataset));
    for await (const chunk of readColumnChunks(ctx, dataset, dek, field)) {
      for (let i = 0; i < chunk.values.length; i++) {
        const value = chunk.values[i];
        const text = typeof value === 'string' ? value : typeof value === 'number' && Number.isFinite(value) ? String(value) : undefined;
        if (text !== undefined && wanted.has(text)) held.add(text);
      }
      if (held.size === wanted.size) break;
    }
  }
  return outcomeOf(candidates.map((c) => (c !== undefined && held.has(c) ? c : null)));
}

/**
 * `encrypt` values name their data key in clear (the transfer that made them); the key is
 * unwrapped by the KMS only for transfers of this contract, and the field name is part of
 * the ciphertext's authenticated data, so a value moved from another field, another contract
 * or altered in any bit decrypts to nothing.
 */
async function decryptValues(
  ctx: GatewayContext,
  contract: ContractRow,
  field: string,
  ciphertexts: readonly string[],
  hold: (key: Uint8Array) => Uint8Array,
): Promise<Omit<RevealResult, 'ledger'>> {
  const refs = ciphertexts.map((text) => {
    try {
      return parseFieldCiphertext(text);
    } catch {
      return undefined;
    }
  });
  const transferIds = [...new Set(refs.flatMap((r) => (r === undefined ? [] : [r.keyRef])))];
  if (transferIds.length > REVEAL_MAX_TRANSFERS) {
    throw new SluiceError('VALIDATION_FAILED', `values from at most ${REVEAL_MAX_TRANSFERS} transfers per call`, { field: 'values' });
  }
  const transfers =
    transferIds.length === 0
      ? []
      : await ctx.db.selectFrom('transfers').select(['id', 'wrapped_field_key']).where('contract_id', '=', contract.id).where('id', 'in', transferIds).execute();
  const keys = new Map<string, Uint8Array>();
  for (const transfer of transfers) {
    const wrapped = transfer.wrapped_field_key === null ? {} : (JSON.parse(transfer.wrapped_field_key) as Partial<Record<EncryptAlg, string>>);
    for (const [alg, ciphertext] of Object.entries(wrapped) as [EncryptAlg, string][]) {
      const context = { purpose: 'field-encrypt', contractId: contract.id, transferId: transfer.id, alg };
      keys.set(`${transfer.id}\u0000${alg}`, hold(await ctx.kms.decrypt(contract.kek_id, ciphertext, context)));
    }
  }
  return outcomeOf(
    ciphertexts.map((text, i) => {
      const ref = refs[i];
      const key = ref === undefined ? undefined : keys.get(`${ref.keyRef}\u0000${ref.alg}`);
      if (key === undefined) return null;
      try {
        return decryptField(text, field, key);
      } catch {
        return null;
      }
    }),
  );
}

function outcomeOf(values: (string | null)[]): Omit<RevealResult, 'ledger'> {
  const restored = values.filter((v) => v !== null).length;
  return { values, restored, unrestored: values.length - restored };
}

/** The call on the ledger: who restored how much of what, under which contract — never a value. */
async function record(
  ctx: GatewayContext,
  owner: Party,
  contract: ContractRow,
  target: Target,
  count: number,
  outcome: Omit<RevealResult, 'ledger'>,
): Promise<AnchorResult> {
  const entry: LedgerRecord = {
    id: newId('rec'),
    type: 'audit.event',
    timestamp: ctx.now().toISOString(),
    contractId: contract.id,
    exporterId: owner.id,
    data: {
      event: 'values.revealed',
      actor: owner.id,
      contractId: contract.id,
      transform: target.transform,
      field: target.field,
      values: count,
      restored: outcome.restored,
      unrestored: outcome.unrestored,
      ...(outcome.entities ? { entities: Object.fromEntries(Object.entries(outcome.entities).sort(([a], [b]) => a.localeCompare(b))) } : {}),
    },
  };
  await ctx.db.transaction().execute((trx) => enqueue(trx, entry));
  return ctx.relay.anchor(entry.id);
}
