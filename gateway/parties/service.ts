import { camelCased, SluiceError } from '../../common/index.ts';
import { normalizeSm2PublicKey } from '../../crypto/index.ts';
import { issueToken, newToken } from '../auth/tokens.ts';
import type { Party } from '../auth/principal.ts';
import type { GatewayContext } from '../context.ts';
import { parseEndpoint } from '../egress/endpoint.ts';
import { newId } from '../ids.ts';
import type { CreatePartyInput } from './schemas.ts';

export async function createParty(ctx: GatewayContext, input: CreatePartyInput): Promise<{ id: string; token: string }> {
  checkJurisdiction(input);
  const endpoint = input.endpoint === undefined ? null : providerEndpoint(input.kind, input.endpoint);
  const publicKey = input.publicKey === undefined ? null : parsePublicKey(input.publicKey);
  const id = newId('pty');
  const token = newToken();
  const now = ctx.now();
  const createdAt = now.toISOString();
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .insertInto('parties')
      .values({
        id,
        name: input.name,
        kind: input.kind,
        jurisdiction: input.jurisdiction,
        public_key: publicKey,
        ciio: input.ciio ? 1 : 0,
        ftz: input.ftz ?? null,
        industry: input.industry ?? null,
        contact: input.contact ?? null,
        kek_id: null,
        owner_secret: null,
        created_at: createdAt,
        endpoint,
      })
      .execute();
    await issueToken(camelCased(trx), { role: 'party', partyId: id }, now, token);
  });
  return { id, token };
}

/** CIIO status and FTZ registration describe domestic processors only (REGULATION.md §3, §5). */
function checkJurisdiction(input: CreatePartyInput): void {
  if (input.kind === 'overseas' && input.jurisdiction === 'CN') {
    throw new SluiceError('VALIDATION_FAILED', 'an overseas party cannot have jurisdiction CN', { field: 'jurisdiction' });
  }
  if (input.kind !== 'overseas' && input.jurisdiction !== 'CN') {
    throw new SluiceError('VALIDATION_FAILED', `a ${input.kind} party must have jurisdiction CN`, { field: 'jurisdiction' });
  }
  if (input.kind !== 'domestic' && (input.ciio !== undefined || input.ftz !== undefined)) {
    throw new SluiceError('VALIDATION_FAILED', 'ciio and ftz apply to domestic parties only', { field: input.ciio !== undefined ? 'ciio' : 'ftz' });
  }
}

/** Only an overseas party can be a model provider that prompts are sent to. */
function providerEndpoint(kind: CreatePartyInput['kind'], endpoint: string): string {
  if (kind !== 'overseas') throw new SluiceError('VALIDATION_FAILED', 'only an overseas party may have an endpoint', { field: 'endpoint' });
  return parseEndpoint(endpoint);
}

function parsePublicKey(value: string): string {
  try {
    return normalizeSm2PublicKey(value);
  } catch {
    throw new SluiceError('VALIDATION_FAILED', 'publicKey is not an SM2 public key', { field: 'publicKey' });
  }
}

export async function getParty(ctx: GatewayContext, id: string): Promise<Party> {
  const party = await ctx.db.selectFrom('parties').selectAll().where('id', '=', id).executeTakeFirst();
  if (!party) throw new SluiceError('NOT_FOUND', 'party not found');
  return party;
}

export function publicView(party: Party) {
  return {
    id: party.id,
    name: party.name,
    kind: party.kind,
    jurisdiction: party.jurisdiction,
    publicKey: party.public_key,
    ciio: party.ciio === 1,
    ftz: party.ftz,
    industry: party.industry,
    contact: party.contact,
    endpoint: party.endpoint,
    createdAt: party.created_at,
  };
}

/**
 * The party's key-encryption key in the KMS, created on first need so that registering a
 * party does not depend on the KMS being up.
 */
export async function partyKek(ctx: GatewayContext, party: Party): Promise<string> {
  if (party.kek_id) return party.kek_id;
  const { keyId } = await ctx.kms.createKey('SM4', { purpose: `tenant:${party.id}` });
  const updated = await ctx.db
    .updateTable('parties')
    .set({ kek_id: keyId })
    .where('id', '=', party.id)
    .where('kek_id', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 1) return keyId;
  // Another request created one first; use theirs so every dataset sits under one tenant key.
  await ctx.kms.destroy(keyId);
  const current = await getParty(ctx, party.id);
  return current.kek_id as string;
}

function ownerSecretContext(partyId: string): Record<string, string> {
  return { purpose: 'owner-secret', partyId };
}

/**
 * The owner-wide secret behind owner-scoped transform keys and the subject-counting key,
 * wrapped by the owner's KMS key at rest and unwrapped per request.
 */
export async function ownerSecret(ctx: GatewayContext, party: Party): Promise<Uint8Array> {
  const current = await getParty(ctx, party.id);
  if (current.owner_secret) return ctx.kms.decrypt(await partyKek(ctx, current), current.owner_secret, ownerSecretContext(party.id));
  const kekId = await partyKek(ctx, current);
  const created = await ctx.kms.dataKey(kekId, ownerSecretContext(party.id));
  const updated = await ctx.db
    .updateTable('parties')
    .set({ owner_secret: created.ciphertext })
    .where('id', '=', party.id)
    .where('owner_secret', 'is', null)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) === 1) return created.plaintext;
  created.plaintext.fill(0);
  return ownerSecret(ctx, party);
}
