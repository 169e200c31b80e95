export { startGateway, type RunningGateway } from './server.ts';
export { buildGatewayApp } from './app.ts';
export type { GatewayContext, KeyService } from './context.ts';
export { openPackage, sealPackage, PACKAGE_FORMAT, type TransferPackage, type PackageHeader } from './package/envelope.ts';
export { main as cli } from './cli/main.ts';
