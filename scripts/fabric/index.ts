export { ORGS, removeNetwork, startNetwork, type FabricNetwork, type OrgName, type StartOptions } from './network.ts';
export { FABRIC_VERSION, buildFabric, fabricBinDir, fabricBinariesPresent } from './toolchain.ts';
