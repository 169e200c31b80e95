/**
 * Builds the Fabric binaries into the cache without starting anything, for CI before `npm test`
 * (run with `node --import tsx scripts/fabric/build.ts`); fabric:up does the same on demand.
 */
import { buildFabric, fabricBinDir } from './toolchain.ts';

buildFabric((line) => console.log(`fabric: ${line}`));
console.log(`fabric: binaries in ${fabricBinDir()}`);
