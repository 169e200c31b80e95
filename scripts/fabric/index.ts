export { removeNetwork, startNetwork, type FabricNetwork, type OrgName, type StartOptions } from './network.ts';
export { buildFabric, fabricBinDir, fabricBinariesPresent } from './toolchain.ts';
