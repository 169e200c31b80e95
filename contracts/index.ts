import { SluiceContract } from './contract.ts';

export { CONTRACT_NAME, SluiceContract } from './contract.ts';

/** Read by `fabric-chaincode-node server` (through package.json `main`) to find the contracts. */
export const contracts = [SluiceContract];
