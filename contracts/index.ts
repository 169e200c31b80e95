import { SluiceContract } from './contract.ts';

export { CONTRACT_NAME, SluiceContract, type RecordEvent, type RecordPage } from './contract.ts';
export {
  MAX_RECORD_BYTES,
  REJECTION,
  RecordRejected,
  canonicalRecord,
  decodeStoredRecord,
  encodeStoredRecord,
  parseRecord,
  recordStateKey,
  type StoredRecord,
} from './record.ts';

/** Read by `fabric-chaincode-node server` (through package.json `main`) to find the contracts. */
export const contracts = [SluiceContract];
