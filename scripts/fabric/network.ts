import { execFile, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { FABRIC_DEFAULTS, type FabricSettings } from '../../ledger/fabric/index.ts';
import type { TrustAnchors } from '../../ledger/index.ts';
import { freePort, waitForPort } from '../ports.ts';
import { fabricBinDir, fabricBinariesPresent, type FabricBinary } from './toolchain.ts';

const run = promisify(execFile);

const HERE = path.dirname(fileURLToPath(import.meta.url));
const REPO = path.resolve(HERE, '..', '..');
const CONFIG = path.join(HERE, 'config');
const BUILDER = path.join(HERE, 'builder');

const ORGS = ['operator', 'regulator'] as const;
export type OrgName = (typeof ORGS)[number];

const MSP_IDS: Record<OrgName, string> = { operator: 'OperatorMSP', regulator: 'RegulatorMSP' };
const LOOPBACK = '127.0.0.1';
const CHAINCODE_VERSION = '1.0';
const ENDORSEMENT_POLICY = "AND('OperatorMSP.peer','RegulatorMSP.peer')";

interface PeerPorts {
  port: number;
  chaincodeListenPort: number;
  operationsPort: number;
  /** The organization's own chaincode server, which only its peer dials. */
  chaincodeServer: number;
}

/** What fabric:down needs to find again: written next to the network's files. */
interface NetworkState {
  root: string;
  pids: Record<string, number>;
  ports: { orderer: number; ordererAdmin: number; ordererOperations: number; peers: Record<OrgName, PeerPorts> };
  /** Each organization installs its own ccaas package (its server's address and its peer's client certificate). */
  packageIds: Record<OrgName, string>;
}

export interface FabricNetwork {
  root: string;
  /** Client settings of a user of each organization, pointing at that organization's peer. */
  clients: Record<OrgName, FabricSettings>;
  trust: TrustAnchors;
  stopPeer(org: OrgName): Promise<void>;
  startPeer(org: OrgName): Promise<void>;
  /** Stops every process; the files stay until `removeNetwork`. */
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Directory for all state (crypto, ledgers, logs); wiped first. */
  root: string;
  binDir?: string;
  /** Keep processes running after this Node process exits (fabric:up). */
  detached?: boolean;
  log?: (line: string) => void;
}

const STATE_FILE = 'network.json';

/**
 * Brings up the local network: one Raft orderer, one peer for each of the Operator and Regulator
 * organizations, TLS everywhere, channel `sluice` created through the channel participation
 * API, and the Sluice chaincode running as a service, defined with an endorsement policy that
 * needs both organizations. Every listener is on 127.0.0.1 at a port that was free.
 */
export async function startNetwork(options: StartOptions): Promise<FabricNetwork> {
  const binDir = options.binDir ?? fabricBinDir();
  if (!fabricBinariesPresent(binDir)) throw new Error(`Fabric binaries not found in ${binDir}; run npm run fabric:up once to build them`);
  const log = options.log ?? (() => {});
  const root = path.resolve(options.root);
  fs.rmSync(root, { recursive: true, force: true });
  for (const dir of ['config', 'logs', 'chaincode']) fs.mkdirSync(path.join(root, dir), { recursive: true });

  const bin = (name: FabricBinary) => path.join(binDir, name);
  const crypto = path.join(root, 'crypto');
  const ordererOrg = path.join(crypto, 'ordererOrganizations', 'orderer.sluice.local');
  const ordererDir = path.join(ordererOrg, 'orderers', 'orderer0.orderer.sluice.local');
  const ordererCa = path.join(ordererDir, 'tls', 'ca.crt');
  const orgDir = (org: OrgName) => path.join(crypto, 'peerOrganizations', `${org}.sluice.local`);
  const peerDir = (org: OrgName) => path.join(orgDir(org), 'peers', `peer0.${org}.sluice.local`);
  const peerTlsCa = (org: OrgName) => path.join(peerDir(org), 'tls', 'ca.crt');
  const adminTls = (org: OrgName) => path.join(orgDir(org), 'users', `Admin@${org}.sluice.local`, 'tls');
  const channelBlock = path.join(root, 'config', `${FABRIC_DEFAULTS.channel}.block`);

  const ports = await allocatePorts();
  const state: Omit<NetworkState, 'pids'> = { root, ports, packageIds: { operator: '', regulator: '' } };
  const children = new Map<string, number>();
  const saveState = () => {
    const saved: NetworkState = { ...state, pids: Object.fromEntries(children) };
    fs.writeFileSync(path.join(root, STATE_FILE), JSON.stringify(saved, null, 2));
  };

  const startProcess = async (name: string, command: string, args: string[], env: NodeJS.ProcessEnv, port: number) => {
    const logFd = fs.openSync(path.join(root, 'logs', `${name}.log`), 'a');
    const child = spawn(command, args, { cwd: REPO, env, stdio: ['ignore', logFd, logFd], detached: true });
    fs.closeSync(logFd);
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    if (options.detached) child.unref();
    children.set(name, child.pid);
    saveState();
    const exited = new Promise<never>((_resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`${name} exited (${code}) during start; see ${root}/logs/${name}.log`)));
    });
    exited.catch(() => {});
    await Promise.race([waitForPort(port, 60_000), exited]);
  };

  const stopProcess = async (name: string) => {
    const pid = children.get(name);
    if (pid === undefined) return;
    children.delete(name);
    saveState();
    await terminate(pid);
  };

  const peerCli = async (org: OrgName, args: string[]) => {
    const env = {
      ...fabricFreeEnv(),
      FABRIC_CFG_PATH: path.join(root, 'peers', org),
      CORE_PEER_MSPCONFIGPATH: path.join(orgDir(org), 'users', `Admin@${org}.sluice.local`, 'msp'),
      CORE_PEER_ADDRESS: `127.0.0.1:${ports.peers[org].port}`,
      CORE_PEER_TLS_ROOTCERT_FILE: peerTlsCa(org),
      CORE_PEER_TLS_CLIENTAUTHREQUIRED: 'true',
      CORE_PEER_TLS_CLIENTCERT_FILE: path.join(adminTls(org), 'client.crt'),
      CORE_PEER_TLS_CLIENTKEY_FILE: path.join(adminTls(org), 'client.key'),
    };
    const { stdout } = await run(bin('peer'), args, { env, cwd: root, maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  };

  const startPeer = (org: OrgName) =>
    startProcess(
      `peer-${org}`,
      bin('peer'),
      ['node', 'start'],
      { ...fabricFreeEnv(), FABRIC_CFG_PATH: path.join(root, 'peers', org), FABRIC_LOGGING_SPEC: 'info' },
      ports.peers[org].port,
    );

  const stopAll = async () => {
    for (const name of [...children.keys()].reverse()) await stopProcess(name);
  };

  try {
    log('generating crypto material');
    await run(bin('cryptogen'), ['generate', `--config=${path.join(CONFIG, 'crypto-config.yaml')}`, `--output=${crypto}`]);

    render('configtx.yaml', path.join(root, 'config', 'configtx.yaml'), {
      CRYPTO_DIR: crypto,
      ORDERER_HOST: LOOPBACK,
      OPERATOR_PEER_HOST: LOOPBACK,
      REGULATOR_PEER_HOST: LOOPBACK,
      ORDERER_PORT: ports.orderer,
      OPERATOR_PEER_PORT: ports.peers.operator.port,
      REGULATOR_PEER_PORT: ports.peers.regulator.port,
    });
    await run(bin('configtxgen'), [
      '-configPath', path.join(root, 'config'),
      '-profile', 'SluiceChannel',
      '-channelID', FABRIC_DEFAULTS.channel,
      '-outputBlock', channelBlock,
    ]);

    log('starting the orderer');
    render('orderer.yaml', path.join(root, 'orderer', 'orderer.yaml'), {
      ORDERER_DIR: ordererDir,
      STATE_DIR: path.join(root, 'orderer', 'data'),
      ORDERER_PORT: ports.orderer,
      ORDERER_ADMIN_PORT: ports.ordererAdmin,
      ORDERER_OPERATIONS_PORT: ports.ordererOperations,
      OPERATOR_TLS_CA: peerTlsCa('operator'),
      REGULATOR_TLS_CA: peerTlsCa('regulator'),
    });
    await startProcess('orderer', bin('orderer'), [], { ...fabricFreeEnv(), FABRIC_CFG_PATH: path.join(root, 'orderer'), FABRIC_LOGGING_SPEC: 'info' }, ports.ordererAdmin);
    const ordererAdmin = path.join(ordererOrg, 'users', 'Admin@orderer.sluice.local', 'tls');
    await run(bin('osnadmin'), [
      'channel', 'join',
      '--channelID', FABRIC_DEFAULTS.channel,
      '--config-block', channelBlock,
      '-o', `127.0.0.1:${ports.ordererAdmin}`,
      '--ca-file', ordererCa,
      '--client-cert', path.join(ordererAdmin, 'client.crt'),
      '--client-key', path.join(ordererAdmin, 'client.key'),
    ], { env: fabricFreeEnv() });

    for (const org of ORGS) {
      log(`starting the ${org} peer`);
      const p = ports.peers[org];
      render('core.yaml', path.join(root, 'peers', org, 'core.yaml'), {
        PEER_NAME: `peer0.${org}.sluice.local`,
        PEER_DIR: peerDir(org),
        STATE_DIR: path.join(root, 'peers', org, 'data'),
        MSP_ID: MSP_IDS[org],
        PEER_PORT: p.port,
        CHAINCODE_LISTEN_PORT: p.chaincodeListenPort,
        PEER_OPERATIONS_PORT: p.operationsPort,
        OPERATOR_TLS_CA: peerTlsCa('operator'),
        REGULATOR_TLS_CA: peerTlsCa('regulator'),
        BUILDER_DIR: BUILDER,
      });
      await startPeer(org);
      await peerCli(org, ['channel', 'join', '-b', channelBlock]);
    }

    log('installing the chaincode');
    for (const org of ORGS) {
      // Each organization runs its own chaincode server and installs a package naming it; the
      // server accepts only its own peer (mutual TLS), the peer only its own server.
      const dir = path.join(root, 'chaincode', org);
      fs.mkdirSync(dir, { recursive: true });
      const serverTls = path.join(orgDir(org), 'peers', `chaincode.${org}.sluice.local`, 'tls');
      const peerTls = path.join(peerDir(org), 'tls');
      const packagePath = writeChaincodePackage(dir, ports.peers[org].chaincodeServer, {
        rootCert: fs.readFileSync(path.join(serverTls, 'ca.crt'), 'utf8'),
        clientCert: fs.readFileSync(path.join(peerTls, 'server.crt'), 'utf8'),
        clientKey: fs.readFileSync(path.join(peerTls, 'server.key'), 'utf8'),
      });
      await peerCli(org, ['lifecycle', 'chaincode', 'install', packagePath]);
      state.packageIds[org] = (await peerCli(org, ['lifecycle', 'chaincode', 'calculatepackageid', packagePath])).trim();
      await startProcess(
        `chaincode-${org}`,
        process.execPath,
        [
          '--import', 'tsx',
          path.join(REPO, 'node_modules', 'fabric-shim', 'cli.js'), 'server',
          '--chaincode-address', `127.0.0.1:${ports.peers[org].chaincodeServer}`,
          '--chaincode-id', state.packageIds[org],
          '--chaincode-tls-cert-file', path.join(serverTls, 'server.crt'),
          '--chaincode-tls-key-file', path.join(serverTls, 'server.key'),
          '--chaincode-tls-client-cacert-file', peerTlsCa(org),
          '--module-path', path.join(REPO, 'contracts'),
        ],
        { ...fabricFreeEnv(), CORE_CHAINCODE_LOGGING_LEVEL: 'warning' },
        ports.peers[org].chaincodeServer,
      );
    }

    const definition = [
      '--channelID', FABRIC_DEFAULTS.channel,
      '--name', FABRIC_DEFAULTS.chaincode,
      '--version', CHAINCODE_VERSION,
      '--sequence', '1',
      '--signature-policy', ENDORSEMENT_POLICY,
    ];
    const orderer = (org: OrgName) => [
      '-o', `127.0.0.1:${ports.orderer}`, '--tls', '--cafile', ordererCa,
      '--clientauth', '--certfile', path.join(adminTls(org), 'client.crt'), '--keyfile', path.join(adminTls(org), 'client.key'),
    ];
    for (const org of ORGS) {
      await peerCli(org, ['lifecycle', 'chaincode', 'approveformyorg', ...orderer(org), ...definition, '--package-id', state.packageIds[org]]);
    }
    await peerCli('operator', [
      'lifecycle', 'chaincode', 'commit', ...orderer('operator'), ...definition,
      ...ORGS.flatMap((org) => ['--peerAddresses', `127.0.0.1:${ports.peers[org].port}`, '--tlsRootCertFiles', peerTlsCa(org)]),
    ]);
    saveState();
  } catch (error) {
    await stopAll();
    throw error;
  }

  const clients = Object.fromEntries(
    ORGS.map((org) => {
      const userDir = path.join(orgDir(org), 'users', `User1@${org}.sluice.local`);
      const user = path.join(userDir, 'msp');
      const settings: FabricSettings = {
        peerEndpoint: `127.0.0.1:${ports.peers[org].port}`,
        peerHostAlias: `peer0.${org}.sluice.local`,
        tlsCaCertPath: peerTlsCa(org),
        tlsClientCertPath: path.join(userDir, 'tls', 'client.crt'),
        tlsClientKeyPath: path.join(userDir, 'tls', 'client.key'),
        mspId: MSP_IDS[org],
        certPath: path.join(user, 'signcerts', `User1@${org}.sluice.local-cert.pem`),
        keyPath: path.join(user, 'keystore', 'priv_sk'),
        channel: FABRIC_DEFAULTS.channel,
        chaincode: FABRIC_DEFAULTS.chaincode,
        trustAnchorsPath: path.join(root, 'trust.json'),
        appendTimeoutMs: FABRIC_DEFAULTS.appendTimeoutMs,
      };
      return [org, settings];
    }),
  ) as Record<OrgName, FabricSettings>;
  const trust: TrustAnchors = {
    orgs: Object.fromEntries(
      ORGS.map((org) => [MSP_IDS[org], [fs.readFileSync(path.join(orgDir(org), 'ca', `ca.${org}.sluice.local-cert.pem`), 'utf8')]]),
    ),
  };
  fs.writeFileSync(path.join(root, 'trust.json'), `${JSON.stringify(trust, null, 2)}\n`);
  log('network is up');

  return {
    root,
    clients,
    trust,
    stopPeer: (org) => stopProcess(`peer-${org}`),
    startPeer,
    stop: stopAll,
  };
}

/** Stops the processes recorded under `root` (by pid, only if still ours) and deletes `root`. */
export async function removeNetwork(root: string): Promise<void> {
  const stateFile = path.join(root, STATE_FILE);
  if (fs.existsSync(stateFile)) {
    const state = JSON.parse(fs.readFileSync(stateFile, 'utf8')) as NetworkState;
    for (const pid of Object.values(state.pids).reverse()) {
      if (ownedBy(pid, root)) await terminate(pid);
    }
  }
  fs.rmSync(root, { recursive: true, force: true });
}

async function allocatePorts(): Promise<NetworkState['ports']> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const port = await freePort();
      if (!taken.has(port)) {
        taken.add(port);
        return port;
      }
    }
  };
  const peer = async (): Promise<PeerPorts> => ({ port: await next(), chaincodeListenPort: await next(), operationsPort: await next(), chaincodeServer: await next() });
  return {
    orderer: await next(),
    ordererAdmin: await next(),
    ordererOperations: await next(),
    peers: { operator: await peer(), regulator: await peer() },
  };
}

function render(template: string, target: string, values: Record<string, string | number>): void {
  const text = fs.readFileSync(path.join(CONFIG, template), 'utf8').replace(/\{\{([A-Z_]+)\}\}/g, (match, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${template}: no value for ${match}`);
    return String(value);
  });
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.writeFileSync(target, text);
}

/**
 * A ccaas package: no code, only where the organization's chaincode server listens, the CA its
 * TLS certificate chains to, and the certificate the peer shows it (mutual TLS).
 */
function writeChaincodePackage(dir: string, port: number, tls: { rootCert: string; clientCert: string; clientKey: string }): string {
  const connection = {
    address: `127.0.0.1:${port}`,
    dial_timeout: '10s',
    tls_required: true,
    client_auth_required: true,
    root_cert: tls.rootCert,
    client_cert: tls.clientCert,
    client_key: tls.clientKey,
  };
  const label = `${FABRIC_DEFAULTS.chaincode}_${CHAINCODE_VERSION}`;
  fs.writeFileSync(path.join(dir, 'connection.json'), JSON.stringify(connection));
  fs.writeFileSync(path.join(dir, 'metadata.json'), JSON.stringify({ type: 'ccaas', label }));
  const packagePath = path.join(dir, `${label}.tgz`);
  // Deterministic archives keep the package id stable for the same connection details.
  const tarFlags = ['--sort=name', '--owner=0', '--group=0', '--numeric-owner', '--mtime=@0'];
  execFileSync('tar', [...tarFlags, '-C', dir, '-czf', path.join(dir, 'code.tar.gz'), 'connection.json'], { stdio: 'ignore' });
  execFileSync('tar', [...tarFlags, '-C', dir, '-czf', packagePath, 'metadata.json', 'code.tar.gz'], { stdio: 'ignore' });
  return packagePath;
}

/** The environment without variables that would override the rendered Fabric configs. */
function fabricFreeEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^(CORE|ORDERER|FABRIC|CONFIGTX)_/.test(name)));
}

/** A zombie counts as gone: nothing may reap it if its parent was init in a container. */
function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

/** Guards against signalling a recycled pid: our processes run with `root` in their arguments or config path. */
function ownedBy(pid: number, root: string): boolean {
  try {
    const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const environ = fs.readFileSync(`/proc/${pid}/environ`, 'utf8');
    return cmdline.includes(root) || environ.includes(root);
  } catch {
    return false;
  }
}

async function terminate(pid: number): Promise<void> {
  if (!alive(pid)) return;
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 10_000;
  while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) process.kill(pid, 'SIGKILL');
  while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
}
