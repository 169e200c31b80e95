/** `npm run fabric:down`: stops the network fabric:up started and removes its state and env files. */
import fs from 'node:fs';
import path from 'node:path';
import { removeNetwork } from './network.ts';
import { envFiles, networkRoot } from './paths.ts';

const dataDir = path.resolve(process.env.SLUICE_DATA_DIR ?? './.sluice');
await removeNetwork(networkRoot(dataDir));
for (const file of Object.values(envFiles(dataDir))) fs.rmSync(file, { force: true });
console.log('fabric: network stopped and removed');
