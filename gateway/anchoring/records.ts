import type { AnchoredRecord } from '../../ledger/index.ts';
import type { GatewayContext } from '../context.ts';

/** A record with its proof; a record still in the outbox is anchored first when the ledger allows. */
export async function anchoredRecord(ctx: GatewayContext, id: string): Promise<AnchoredRecord | undefined> {
  const existing = await ctx.ledger.get(id);
  if (existing) return existing;
  const result = await ctx.relay.anchor(id);
  return result.anchored ? ctx.ledger.get(id) : undefined;
}
