export { FABRIC_DEFAULTS, FABRIC_ENV, fabricSettingsFromEnv, fabricSettingsToEnv, readTrustAnchors, type FabricSettings } from './config.ts';
export { FabricLedger, openFabricLedger, type AnchoredEvent, type FabricLedgerOptions } from './ledger.ts';
export { proofFromBlock, proofFromEnvelope, verifyFabricProof } from './proof.ts';
