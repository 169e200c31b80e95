import { createSipHash, hkdf, type SipHash } from '../../../crypto/index.ts';
import type { GatewayContext } from '../../context.ts';
import { getParty, ownerSecret } from '../../parties/service.ts';
import { SketchKey } from './sketch.ts';

/** An owner's keys for disclosure control, all derived from its owner secret (KMS-wrapped at rest). */
export interface OwnerKeys {
  /** Subject identifier → person key: a PRF, so stored sketches hold no reversible identifier. */
  person: SipHash;
  /** Non-numeric values (counts over text columns, PSI identifiers) → value hash. */
  value: SipHash;
  /** Mixing words for numeric values and for elements. */
  mix: Uint32Array;
  sketch: SketchKey;
  /** AES-256-GCM key of stored sketches, and the HMAC key of their digests. */
  seal: Uint8Array;
  digest: Uint8Array;
}

export function deriveOwnerKeys(secret: Uint8Array): OwnerKeys {
  const bytes = hkdf('sha256', secret, new TextEncoder().encode('sluice/disclosure/v1'), 'owner keys', 160);
  const words = (from: number) => new Uint32Array(bytes.slice(from, from + 32).buffer);
  return {
    person: createSipHash(bytes.subarray(0, 16)),
    value: createSipHash(bytes.subarray(16, 32)),
    mix: words(32),
    sketch: new SketchKey(words(64)),
    seal: bytes.slice(96, 128),
    digest: bytes.slice(128, 160),
  };
}

/** The keys of each owner, unwrapped through the KMS for this request only. */
export async function ownerKeys(ctx: GatewayContext, owners: readonly string[]): Promise<Map<string, OwnerKeys>> {
  const entries = await Promise.all(
    [...new Set(owners)].map(async (id) => {
      const secret = await ownerSecret(ctx, await getParty(ctx, id));
      try {
        return [id, deriveOwnerKeys(secret)] as const;
      } finally {
        secret.fill(0);
      }
    }),
  );
  return new Map(entries);
}
