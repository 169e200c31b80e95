export { FABRIC_DEFAULTS, fabricSettingsFromEnv, fabricSettingsToEnv, readTrustAnchors, type FabricSettings } from './config.ts';
export { FabricLedger, openFabricLedger, type AnchoredEvent, type FabricLedgerOptions } from './ledger.ts';
export { verifyFabricProof } from './proof.ts';
