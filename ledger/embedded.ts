import { fail, SluiceError } from '../common/errors.ts';
import type { Logger } from '../common/index.ts';
import { bytesToHex } from '../crypto/index.ts';
import { CompactRange, leafHash, ProofBuilder, type NodeSource } from './merkle.ts';
import { loadOrCreateOperatorKeys, type OperatorKeys } from './operator-key.ts';
import { canonicalRecord } from './record.ts';
import { signerFromConfig, type CoSignerConfig, type OrgSigner } from './signatures.ts';
import { ledgerDbPath, LedgerStore, type BlockRow, type StoredNode } from './store.ts';
import {
  blockHash,
  GENESIS_PREVIOUS_HASH,
  signTreeHead,
  treeHeadOf,
  trustAnchorsFor,
} from './tree-head.ts';
import type { AnchoredRecord, BlockHeader, EmbeddedProof, Ledger, LedgerRecord, SignedTreeHead, TrustAnchors } from './types.ts';

export interface BatchOptions {
  /** A block is sealed as soon as this many records wait (default 1000). */
  maxRecords?: number;
  /** …or this long after the first of them arrived (default 5 ms). */
  maxDelayMs?: number;
}

export interface EmbeddedLedgerOptions {
  dataDir: string;
  logger?: Logger;
  /** Name the operator signs tree heads under (default "operator"); fixed once the ledger exists. */
  operatorOrg?: string;
  /** Regulator or owner witnesses that co-sign every tree head. */
  organizations?: CoSignerConfig[];
  batch?: BatchOptions;
}

export interface EmbeddedLedger extends Ledger {
  readonly kind: 'embedded';
  append(record: LedgerRecord): Promise<EmbeddedProof>;
  get(id: string): Promise<AnchoredRecord | undefined>;
  /** The latest signed tree head, or that of one block; undefined before the first block. */
  treeHead(blockHeight?: number): Promise<SignedTreeHead | undefined>;
  /** RFC 9162 consistency proof (hex) between two tree sizes, by default up to the latest head. */
  consistencyProof(fromSize: number, toSize?: number): Promise<string[]>;
  /** The signing organizations and keys (with the operator's retired keys), as a regulator would pin them. */
  trustAnchors(): TrustAnchors;
}

const DEFAULT_BATCH = { maxRecords: 1000, maxDelayMs: 5 };

export async function openEmbeddedLedger(options: EmbeddedLedgerOptions): Promise<EmbeddedLedger> {
  const batch = { ...DEFAULT_BATCH, ...options.batch };
  if (!Number.isSafeInteger(batch.maxRecords) || batch.maxRecords < 1 || batch.maxRecords > 100_000) {
    throw fail.validation('batch.maxRecords must be an integer from 1 to 100000');
  }
  if (!Number.isFinite(batch.maxDelayMs) || batch.maxDelayMs < 0) throw fail.validation('batch.maxDelayMs must be ≥ 0');
  const operator = loadOrCreateOperatorKeys(options.dataDir, options.operatorOrg ?? 'operator', options.logger);
  const signers = [operator.signer, ...(options.organizations ?? []).map(signerFromConfig)];
  if (new Set(signers.map((s) => s.org)).size !== signers.length) throw fail.validation('signing organizations need distinct names');
  const store = LedgerStore.open(ledgerDbPath(options.dataDir));
  try {
    return new EmbeddedLedgerNode(store, signers, operator, batch, options.logger);
  } catch (error) {
    store.close();
    throw error;
  }
}

interface Pending {
  recordId: string;
  recordJson: string;
  leafHash: Uint8Array;
  promise: Promise<EmbeddedProof>;
  resolve(proof: EmbeddedProof): void;
  reject(error: unknown): void;
}

class EmbeddedLedgerNode implements EmbeddedLedger {
  readonly kind = 'embedded' as const;
  private range: CompactRange;
  private head: SignedTreeHead | undefined;
  private lastBlockHash = GENESIS_PREVIOUS_HASH;
  private queue: Pending[] = [];
  /** Queued or being sealed, by record id: where idempotent re-appends find their promise. */
  private readonly uncommitted = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private sealing: Promise<void> = Promise.resolve();
  private closed = false;
  private readonly storedNodes: NodeSource;
  /** Proofs from stored nodes against the current head; replaced with each block, so its memo of right edges stays valid. */
  private storedProofs: ProofBuilder;

  constructor(
    private readonly store: LedgerStore,
    private readonly signers: readonly OrgSigner[],
    private readonly operator: OperatorKeys,
    private readonly batch: Required<BatchOptions>,
    private readonly logger: Logger | undefined,
  ) {
    this.storedNodes = {
      node: (level, index) => {
        const hash = this.range.frontierNode(level, index) ?? store.node(level, index);
        if (!hash) throw new SluiceError('INTERNAL', 'ledger store lacks a Merkle node; run sluice ledger audit');
        return hash;
      },
    };
    this.range = CompactRange.empty();
    this.storedProofs = new ProofBuilder(this.storedNodes);
    const height = store.latestHeight();
    const latest = height === undefined ? undefined : store.block(height);
    if (latest) {
      this.range = CompactRange.load(latest.header.treeSize, this.storedNodes);
      if (bytesToHex(this.range.root()) !== latest.header.rootHash) {
        throw new SluiceError('INTERNAL', 'ledger store is inconsistent with its latest block; run sluice ledger audit');
      }
      this.head = signedHead(latest);
      this.lastBlockHash = blockHash(latest.header);
    }
  }

  async append(record: LedgerRecord): Promise<EmbeddedProof> {
    if (this.closed) throw new SluiceError('INTERNAL', 'ledger is closed');
    const recordJson = canonicalRecord(record);
    const inflight = this.uncommitted.get(record.id);
    if (inflight) {
      if (inflight.recordJson !== recordJson) throw conflict();
      return inflight.promise;
    }
    // Whether the id is already anchored is asked once per batch when it is sealed.
    const entry = pending(record.id, recordJson);
    this.queue.push(entry);
    this.uncommitted.set(record.id, entry);
    if (this.queue.length >= this.batch.maxRecords) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.batch.maxDelayMs);
    return entry.promise;
  }

  async get(id: string): Promise<AnchoredRecord | undefined> {
    if (this.closed) throw new SluiceError('INTERNAL', 'ledger is closed');
    const stored = this.store.leafById(id);
    if (!stored) return undefined;
    const proof = this.proof(stored.leafIndex, this.storedProofs, new HexCache());
    return { record: JSON.parse(stored.recordJson) as LedgerRecord, proof };
  }

  async treeHead(blockHeight?: number): Promise<SignedTreeHead | undefined> {
    if (blockHeight === undefined) return this.head && cloneHead(this.head);
    const block = this.store.block(blockHeight);
    return block && signedHead(block);
  }

  async consistencyProof(fromSize: number, toSize = this.range.size): Promise<string[]> {
    const sizes = [fromSize, toSize];
    if (!sizes.every(Number.isSafeInteger) || fromSize < 1 || fromSize > toSize || toSize > this.range.size) {
      throw fail.validation('consistency proofs need 1 ≤ fromSize ≤ toSize ≤ the current tree size');
    }
    return new ProofBuilder(this.storedNodes).consistencyPath(fromSize, toSize).map(bytesToHex);
  }

  trustAnchors(): TrustAnchors {
    return trustAnchorsFor(this.signers, this.operator);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    await this.sealing;
    this.store.close();
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    // Blocks are sealed strictly one after another; appends keep queueing meanwhile.
    this.sealing = this.sealing.then(() => this.seal(batch));
  }

  private async seal(queued: Pending[]): Promise<void> {
    let batch = queued;
    try {
      batch = this.settleAnchored(queued);
      if (batch.length === 0) return;
      const first = this.range.size;
      const range = this.range.clone();
      const fresh = new BatchNodes(this.range);
      const interior: StoredNode[] = [];
      for (const entry of batch) {
        range.append(entry.leafHash, (level, index, hash) => {
          fresh.add(level, index, hash);
          if (level > 0) interior.push({ level, index, hash });
        });
      }
      const header: BlockHeader = {
        height: (this.head?.blockHeight ?? -1) + 1,
        previousBlockHash: this.lastBlockHash,
        treeSize: range.size,
        rootHash: bytesToHex(range.root()),
        timestamp: new Date().toISOString(),
        firstLeafIndex: first,
        lastLeafIndex: range.size - 1,
      };
      const signatures = await signTreeHead(treeHeadOf(header), this.signers);
      this.store.commitBlock({ header, signatures }, batch, interior);
      this.range = range;
      this.storedProofs = new ProofBuilder(this.storedNodes);
      this.head = signedHead({ header, signatures });
      this.lastBlockHash = blockHash(header);
      this.logger?.debug({ height: header.height, records: batch.length, treeSize: header.treeSize }, 'ledger block sealed');
      const builder = new ProofBuilder(fresh);
      const hex = new HexCache();
      batch.forEach((entry, i) => entry.resolve(this.proof(first + i, builder, hex)));
    } catch (error) {
      this.logger?.error({ err: error, records: batch.length }, 'ledger block could not be sealed');
      for (const entry of batch) entry.reject(error);
    } finally {
      for (const entry of queued) this.uncommitted.delete(entry.recordId);
    }
  }

  /** Answers the queued records that were anchored before (proof, or CONFLICT); returns the rest. */
  private settleAnchored(queued: Pending[]): Pending[] {
    const anchored = this.store.leavesByIds(queued.map((entry) => entry.recordId));
    if (anchored.size === 0) return queued;
    const builder = this.storedProofs;
    const hex = new HexCache();
    return queued.filter((entry) => {
      const stored = anchored.get(entry.recordId);
      if (!stored) return true;
      if (stored.recordJson === entry.recordJson) entry.resolve(this.proof(stored.leafIndex, builder, hex));
      else entry.reject(conflict());
      return false;
    });
  }

  private proof(leafIndex: number, builder: ProofBuilder, hex: HexCache): EmbeddedProof {
    const head = this.head;
    if (!head) throw new SluiceError('INTERNAL', 'no signed tree head yet');
    return {
      kind: 'embedded',
      leafIndex,
      auditPath: builder.inclusionPath(leafIndex, head.treeSize).map((hash) => hex.of(hash)),
      treeHead: cloneHead(head),
    };
  }
}

/**
 * Nodes a freshly sealed batch needs for its proofs: the ones it created, plus the frontier of
 * the tree before it — every older sibling on a new leaf's path is one of those.
 */
class BatchNodes implements NodeSource {
  private readonly levels: { base: number; hashes: Uint8Array[] }[] = [];

  constructor(private readonly before: CompactRange) {}

  add(level: number, index: number, hash: Uint8Array): void {
    (this.levels[level] ??= { base: index, hashes: [] }).hashes.push(hash);
  }

  node(level: number, index: number): Uint8Array {
    const fresh = this.levels[level];
    const hash = (fresh && index >= fresh.base ? fresh.hashes[index - fresh.base] : undefined) ?? this.before.frontierNode(level, index);
    if (!hash) throw new SluiceError('INTERNAL', 'Merkle node missing from a sealed batch');
    return hash;
  }
}

/** Upper path nodes are shared by every proof of a batch; render each to hex once. */
class HexCache {
  private readonly cache = new WeakMap<Uint8Array, string>();

  of(hash: Uint8Array): string {
    let hex = this.cache.get(hash);
    if (hex === undefined) {
      hex = bytesToHex(hash);
      this.cache.set(hash, hex);
    }
    return hex;
  }
}

function pending(recordId: string, recordJson: string): Pending {
  let resolve!: (proof: EmbeddedProof) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<EmbeddedProof>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A caller may drop the promise of a batch that fails; the rejection still reaches callers that kept it.
  promise.catch(() => undefined);
  return { recordId, recordJson, leafHash: leafHash(Buffer.from(recordJson)), promise, resolve, reject };
}

function signedHead(block: BlockRow): SignedTreeHead {
  return { ...treeHeadOf(block.header), signatures: block.signatures.map((s) => ({ ...s })) };
}

function cloneHead(head: SignedTreeHead): SignedTreeHead {
  return { ...head, signatures: head.signatures.map((s) => ({ ...s })) };
}

function conflict(): SluiceError {
  return fail.conflict('a different record is already anchored under this id');
}
