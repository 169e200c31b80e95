import { SluiceError } from '../../common/index.ts';
import type { PartiesTable } from '../db/schema.ts';

export type Party = PartiesTable;

/** Who is calling, and with which token (its `tok_…` id, never its value). */
export type Principal = { role: 'admin'; tokenId: string } | { role: 'party'; party: Party; tokenId: string };

export type PartyKind = Party['kind'];

export function requireAdmin(principal: Principal): void {
  if (principal.role !== 'admin') throw new SluiceError('FORBIDDEN', 'admin token required');
}

/** The calling party, optionally restricted to some kinds (domestic owner, overseas, regulator). */
export function requireParty(principal: Principal, kinds?: PartyKind[]): Party {
  if (principal.role !== 'party') throw new SluiceError('FORBIDDEN', 'a party token is required');
  if (kinds && !kinds.includes(principal.party.kind)) {
    throw new SluiceError('FORBIDDEN', `only ${kinds.join(' or ')} parties may do this`);
  }
  return principal.party;
}
