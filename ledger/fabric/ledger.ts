import crypto from 'node:crypto';
import fs from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import {
  EndorseError,
  GatewayError,
  StatusCode,
  connect,
  signers,
  type Contract,
  type Gateway,
  type Network,
} from '@hyperledger/fabric-gateway';
import { SluiceError, type Logger } from '../../common/index.ts';
import { canonicalize } from '../../crypto/index.ts';
import { REJECTION, checkRecord, decodeStoredRecord, type RecordEvent, type RecordPage, type StoredRecord } from '../format/index.ts';
import type { AnchoredRecord, FabricProof, Ledger, LedgerRecord, Proof, TrustAnchors, VerifyResult } from '../types.ts';
import { trustDocument } from '../trust.ts';
import { fabricSettingsFromEnv, readTrustAnchors, type FabricSettings } from './config.ts';
import { proofFromBlock, proofFromEnvelope, verifyFabricProof } from './proof.ts';
import { bytesField, decode } from './protobuf.ts';

export interface FabricLedgerOptions {
  /** Receives a warning per failed append attempt (ids and error kinds only). */
  logger?: Logger;
}

/** A record event as committed on the channel. */
export interface AnchoredEvent extends RecordEvent {
  blockNumber: number;
}

const CALL_DEADLINE_MS = { evaluate: 10_000, endorse: 30_000, submit: 10_000, commitStatus: 60_000 };
const BACKOFF_MS = { first: 250, max: 3_000 };
/** Commit outcomes that mean "another attempt may succeed", e.g. a concurrent append of the same id. */
const RETRIABLE_COMMIT_CODES = new Set<number>([StatusCode.MVCC_READ_CONFLICT, StatusCode.PHANTOM_READ_CONFLICT]);

/** Opens the Fabric ledger described by `SLUICE_FABRIC_*` (used when `SLUICE_LEDGER=fabric`). */
export function openFabricLedger(env: Record<string, string | undefined> = process.env, options: FabricLedgerOptions = {}): FabricLedger {
  return new FabricLedger(fabricSettingsFromEnv(env), options);
}

/**
 * The `Ledger` on Hyperledger Fabric, through the peer's gateway service. Appends are endorsed
 * by the organizations the chaincode's policy names, ordered, and awaited until committed; every
 * failure that is not a rejection of the record itself is retried until `appendTimeoutMs`.
 */
export class FabricLedger implements Ledger {
  readonly kind = 'fabric' as const;
  readonly trust: TrustAnchors | undefined;
  private readonly settings: FabricSettings;
  private readonly client: grpc.Client;
  private readonly gateway: Gateway;
  private readonly network: Network;
  private readonly contract: Contract;
  private readonly logger: Logger | undefined;

  constructor(settings: FabricSettings, options: FabricLedgerOptions = {}) {
    this.settings = settings;
    this.logger = options.logger;
    this.trust = settings.trustAnchorsPath === undefined ? undefined : readTrustAnchors(settings.trustAnchorsPath);
    const channelOptions: grpc.ChannelOptions = {
      // A restarted peer should be used again within seconds, not after grpc's 2-minute backoff.
      'grpc.initial_reconnect_backoff_ms': 250,
      'grpc.max_reconnect_backoff_ms': 2_000,
    };
    if (settings.peerHostAlias !== undefined) channelOptions['grpc.ssl_target_name_override'] = settings.peerHostAlias;
    const credentials =
      settings.tlsClientCertPath === undefined || settings.tlsClientKeyPath === undefined
        ? grpc.credentials.createSsl(readFile(settings.tlsCaCertPath, 'TLS CA certificate'))
        : grpc.credentials.createSsl(
            readFile(settings.tlsCaCertPath, 'TLS CA certificate'),
            readFile(settings.tlsClientKeyPath, 'client TLS key'),
            readFile(settings.tlsClientCertPath, 'client TLS certificate'),
          );
    this.client = new grpc.Client(settings.peerEndpoint, credentials, channelOptions);
    const deadline = (ms: number) => () => ({ deadline: Date.now() + ms });
    this.gateway = connect({
      client: this.client,
      identity: { mspId: settings.mspId, credentials: readFile(settings.certPath, 'client certificate') },
      signer: signers.newPrivateKeySigner(crypto.createPrivateKey(readFile(settings.keyPath, 'client private key'))),
      evaluateOptions: deadline(CALL_DEADLINE_MS.evaluate),
      endorseOptions: deadline(CALL_DEADLINE_MS.endorse),
      submitOptions: deadline(CALL_DEADLINE_MS.submit),
      commitStatusOptions: deadline(CALL_DEADLINE_MS.commitStatus),
    });
    this.network = this.gateway.getNetwork(settings.channel);
    this.contract = this.network.getContract(settings.chaincode);
  }

  async append(input: LedgerRecord): Promise<Proof> {
    const record = asRecord(input);
    const deadline = Date.now() + this.settings.appendTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      let failure: unknown;
      try {
        const proof = await this.tryAppend(record);
        if (proof) return proof;
      } catch (error) {
        throwIfRejection(error);
        failure = error;
      }
      if (Date.now() >= deadline) {
        throw new SluiceError('LEDGER_UNAVAILABLE', 'Fabric ledger did not commit the record in time', { id: record.id, attempts: attempt }, { cause: failure });
      }
      if (failure !== undefined) this.logger?.warn({ id: record.id, attempt, error: errorKind(failure) }, 'Fabric append attempt failed; retrying');
      const backoff = Math.min(BACKOFF_MS.max, BACKOFF_MS.first * 2 ** (attempt - 1));
      await new Promise((resolve) => setTimeout(resolve, Math.min(backoff, Math.max(0, deadline - Date.now()))));
    }
  }

  async get(id: string): Promise<AnchoredRecord | undefined> {
    try {
      const stored = await this.readStored(id);
      if (!stored) return undefined;
      return { record: stored.record, proof: await this.proveTransaction(stored.txId) };
    } catch (error) {
      throwIfRejection(error);
      throw unavailable(error);
    }
  }

  /** Records indexed under a contract id, a page at a time (`bookmark` from the previous page). */
  listByContract(contractId: string, page: { size?: number; bookmark?: string } = {}): Promise<RecordPage> {
    return this.list('ListByContract', contractId, page);
  }

  listByExporter(exporterId: string, page: { size?: number; bookmark?: string } = {}): Promise<RecordPage> {
    return this.list('ListByExporter', exporterId, page);
  }

  /**
   * Chaincode events of anchored records, from `startBlock` (default: the next block) on. Close
   * the iterable to stop listening.
   */
  async events(startBlock?: number): Promise<AsyncIterable<AnchoredEvent> & { close(): void }> {
    const source = await this.network.getChaincodeEvents(this.settings.chaincode, startBlock === undefined ? {} : { startBlock: BigInt(startBlock) });
    return {
      close: () => source.close(),
      async *[Symbol.asyncIterator]() {
        for await (const event of source) {
          const payload = JSON.parse(Buffer.from(event.payload).toString('utf8')) as RecordEvent;
          yield { ...payload, blockNumber: Number(event.blockNumber) };
        }
      },
    };
  }

  /** The organizations' MSP CA certificates from `SLUICE_FABRIC_TRUST_ANCHORS`, as a trust document. */
  trustAnchors(): TrustAnchors | undefined {
    if (!this.trust) return undefined;
    const anchors = Object.entries(this.trust.orgs).flatMap(([org, certificates]) => certificates.map((key) => ({ org, role: 'msp-root' as const, alg: 'X.509' as const, key })));
    return trustDocument('fabric', anchors);
  }

  /** Verifies a proof against the trust anchors configured for this client. */
  verify(record: LedgerRecord, proof: FabricProof): VerifyResult {
    if (!this.trust) return { valid: false, reason: 'no Fabric trust anchors configured' };
    return verifyFabricProof(record, proof, this.trust);
  }

  async close(): Promise<void> {
    this.gateway.close();
    this.client.close();
  }

  /** One attempt; resolves undefined when the commit lost a race and the caller should look again. */
  private async tryAppend(record: LedgerRecord): Promise<Proof | undefined> {
    const existing = await this.readStored(record.id);
    if (existing) return this.existingProof(existing, record);

    const transaction = await this.contract.newProposal('Append', { arguments: [canonicalize(record)] }).endorse();
    const stored = decodeStoredRecord(Buffer.from(transaction.getResult()).toString('utf8'));
    if (stored.txId !== transaction.getTransactionId()) return this.existingProof(stored, record);

    const status = await (await transaction.submit()).getStatus();
    if (status.successful) {
      const envelope = bytesField(decode(transaction.getBytes()), 2);
      return proofFromEnvelope(envelope, status.blockNumber);
    }
    if (RETRIABLE_COMMIT_CODES.has(status.code)) return undefined;
    throw new SluiceError('INTERNAL', 'Fabric rejected the transaction at commit', { id: record.id, validationCode: status.code });
  }

  private async existingProof(stored: StoredRecord, record: LedgerRecord): Promise<Proof> {
    if (canonicalize(stored.record) !== canonicalize(record)) {
      throw new SluiceError('CONFLICT', 'a different record is already anchored under this id', { id: record.id });
    }
    return this.proveTransaction(stored.txId);
  }

  private async readStored(id: string): Promise<StoredRecord | undefined> {
    const bytes = await this.contract.evaluateTransaction('Get', id);
    return bytes.length === 0 ? undefined : decodeStoredRecord(Buffer.from(bytes).toString('utf8'));
  }

  private async proveTransaction(txId: string): Promise<FabricProof> {
    const block = await this.network.getContract('qscc').evaluateTransaction('GetBlockByTxID', this.settings.channel, txId);
    return proofFromBlock(block, txId);
  }

  private async list(transaction: string, key: string, page: { size?: number; bookmark?: string }): Promise<RecordPage> {
    try {
      const bytes = await this.contract.evaluateTransaction(transaction, key, String(page.size ?? 100), page.bookmark ?? '');
      const result = JSON.parse(Buffer.from(bytes).toString('utf8')) as { records: unknown[]; bookmark: string };
      return { records: result.records.map((item) => decodeStoredRecord(JSON.stringify(item))), bookmark: result.bookmark };
    } catch (error) {
      throwIfRejection(error);
      throw unavailable(error);
    }
  }
}

function asRecord(input: LedgerRecord): LedgerRecord {
  const check = checkRecord(input);
  if (check.problem !== undefined) throw new SluiceError('VALIDATION_FAILED', 'ledger record is invalid', { reason: check.problem });
  return check.record;
}

function readFile(path: string, what: string): Buffer {
  try {
    return fs.readFileSync(path);
  } catch (cause) {
    throw new SluiceError('VALIDATION_FAILED', `Fabric ${what} file cannot be read`, { path }, { cause });
  }
}

/** Chaincode rejections arrive as error text from the peers; they are final, never retried. */
function throwIfRejection(error: unknown): void {
  if (error instanceof SluiceError) throw error;
  const messages = [error instanceof Error ? error.message : ''];
  if (error instanceof GatewayError) messages.push(...error.details.map((detail) => detail.message));
  const text = messages.join('\n');
  if (text.includes(REJECTION.conflict)) throw new SluiceError('CONFLICT', 'a different record is already anchored under this id');
  if (text.includes(REJECTION.invalid)) throw new SluiceError('VALIDATION_FAILED', 'the ledger rejected the record as invalid');
}

function unavailable(error: unknown): SluiceError {
  return new SluiceError('LEDGER_UNAVAILABLE', 'Fabric ledger unavailable', { error: errorKind(error) }, { cause: error });
}

function errorKind(error: unknown): string {
  if (error instanceof EndorseError) return `endorse:${grpc.status[error.code] ?? error.code}`;
  if (error instanceof GatewayError) return `gateway:${grpc.status[error.code] ?? error.code}`;
  return error instanceof Error ? error.name : 'unknown';
}
