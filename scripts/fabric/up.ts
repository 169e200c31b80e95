/**
 * `npm run fabric:up`: builds the Fabric binaries once, starts the local network in the
 * background and writes `$SLUICE_DATA_DIR/fabric.env` (operator client) and
 * `$SLUICE_DATA_DIR/fabric-regulator.env` (regulator client) with the SLUICE_FABRIC_* settings.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fabricSettingsToEnv, type FabricSettings } from '../../ledger/fabric/index.ts';
import { removeNetwork, startNetwork } from './network.ts';
import { buildFabric } from './toolchain.ts';
import { envFiles, networkRoot } from './paths.ts';

const log = (line: string) => console.log(`fabric: ${line}`);
const dataDir = path.resolve(process.env.SLUICE_DATA_DIR ?? './.sluice');
const root = networkRoot(dataDir);
if (fs.existsSync(root)) {
  console.error(`fabric: a network already exists in ${root}; run npm run fabric:down first`);
  process.exit(1);
}

buildFabric(log);
const files = envFiles(dataDir);
try {
  const network = await startNetwork({ root, detached: true, log });
  writeEnvFile(files.operator, network.clients.operator);
  writeEnvFile(files.regulator, network.clients.regulator);
} catch (error) {
  console.error(`fabric: start failed; logs were in ${path.join(root, 'logs')}:`);
  for (const name of fs.existsSync(path.join(root, 'logs')) ? fs.readdirSync(path.join(root, 'logs')) : []) {
    console.error(`--- ${name}\n${fs.readFileSync(path.join(root, 'logs', name), 'utf8').split('\n').slice(-15).join('\n')}`);
  }
  await removeNetwork(root);
  throw error;
}
log(`settings written to ${files.operator} (and ${path.basename(files.regulator)} for a regulator client)`);
log(`use it: set -a; . ${files.operator}; set +a; SLUICE_LEDGER=fabric npm start`);
log(`logs: ${path.join(root, 'logs')}`);

function writeEnvFile(file: string, settings: FabricSettings): void {
  const lines = Object.entries(fabricSettingsToEnv(settings)).map(([name, value]) => `export ${name}='${value}'`);
  fs.writeFileSync(file, `${lines.join('\n')}\n`);
}
