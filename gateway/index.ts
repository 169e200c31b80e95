export { startGateway, type RunningGateway } from './server.ts';
export { buildGatewayApp } from './app.ts';
export type { GatewayContext, KeyService } from './context.ts';
export { openPackage, PackageReader, PACKAGE_FORMAT, type PackageHeader } from './package/stream.ts';
export type { PackageV1Header } from './package/v1.ts';
export { sweepPackages } from './transfers/lifecycle.ts';
export { main as cli } from './cli/main.ts';
