import type { VerifyResult } from '../../../ledger/index.ts';

/**
 * ledger/fabric/proof.ts for the browser. Fabric proofs carry X.509 endorsements whose checks
 * use node:crypto's certificate parsing; the page does not reimplement them and never calls such
 * a proof valid. `sluice verify` checks them.
 */
export function verifyFabricProof(): VerifyResult {
  return { valid: false, reason: 'Fabric proofs are verified with `sluice verify`, not in the browser' };
}
