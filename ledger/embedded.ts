import fs from 'node:fs';
import { fail, SluiceError } from '../common/errors.ts';
import type { Logger } from '../common/index.ts';
import { bytesToHex } from '../crypto/index.ts';
import { CompactRange, leafHash, ProofBuilder, type NodeSource } from './merkle.ts';
import { loadOrCreateOperatorKeys, type OperatorKeys } from './operator-key.ts';
import { canonicalRecord } from './record.ts';
import { loadOrCreateSealedOperatorSigner, type KeySealer } from './sealed-operator-key.ts';
import { signerFromConfig, type CoSignerConfig, type OrgSigner } from './signatures.ts';
import { ledgerDbPath, openSqliteLedgerStore, withStoredNodes, type BlockRow, type LedgerStore, type StoredNode } from './store.ts';
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
  /**
   * `postgres://…`: the ledger lives in that database (schema `ledger`) instead of the data dir,
   * shared by every gateway on it, one appender at a time; its operator key is sealed by `sealer`.
   */
  databaseUrl?: string;
  /** With `databaseUrl`: seals the operator's signing key under a KMS key. */
  sealer?: KeySealer;
  /** With `databaseUrl`: the longest a stalled appender keeps the others waiting (default 10 s). */
  leaseMs?: number;
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
  const org = options.operatorOrg ?? 'operator';
  const cosigners = (options.organizations ?? []).map(signerFromConfig);
  const orgs = [org, ...cosigners.map((s) => s.org)];
  if (new Set(orgs).size !== orgs.length) throw fail.validation('signing organizations need distinct names');
  const { databaseUrl, sealer } = options;
  if (databaseUrl && !sealer) throw fail.validation('a ledger in PostgreSQL needs a key sealer for its operator key');
  if (databaseUrl && fs.existsSync(ledgerDbPath(options.dataDir))) {
    options.logger?.warn('the data dir holds an embedded ledger that is no longer used: with a database URL the ledger lives in PostgreSQL');
  }
  const fileOperator = databaseUrl ? undefined : loadOrCreateOperatorKeys(options.dataDir, org, options.logger);
  const store = databaseUrl
    ? await (await import('./pg-store.ts')).openPostgresLedgerStore(databaseUrl, { leaseMs: options.leaseMs })
    : openSqliteLedgerStore(ledgerDbPath(options.dataDir));
  try {
    // A sealed key is never rotated in place, so it is the only operator key there has been.
    const operator = fileOperator ?? { signer: await loadOrCreateSealedOperatorSigner(store, org, sealer!, options.logger), fromBlock: 0, retired: [] };
    const node = new EmbeddedLedgerNode(store, [operator.signer, ...cosigners], operator, batch, options.logger);
    await store.appendRound((round) => node.current(round));
    return node;
  } catch (error) {
    await store.close();
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

/** The tree as of one block: its signed head, its hash (the next block's link) and its frontier. */
interface TreeState {
  head: SignedTreeHead | undefined;
  blockHash: string;
  range: CompactRange;
}

const EMPTY_TREE: TreeState = { head: undefined, blockHash: GENESIS_PREVIOUS_HASH, range: CompactRange.empty() };

class EmbeddedLedgerNode implements EmbeddedLedger {
  readonly kind = 'embedded' as const;
  /** The latest tree this process sealed or loaded; reused only while the store's latest block is the same one. */
  private known: TreeState = EMPTY_TREE;
  private queue: Pending[] = [];
  /** Queued or being sealed, by record id: where idempotent re-appends find their promise. */
  private readonly uncommitted = new Map<string, Pending>();
  private timer: NodeJS.Timeout | undefined;
  private sealing: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly store: LedgerStore,
    private readonly signers: readonly OrgSigner[],
    private readonly operator: OperatorKeys,
    private readonly batch: Required<BatchOptions>,
    private readonly logger: Logger | undefined,
  ) {}

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

  /** Read from the store each time: another gateway may have appended since. */
  async get(id: string): Promise<AnchoredRecord | undefined> {
    if (this.closed) throw new SluiceError('INTERNAL', 'ledger is closed');
    const stored = await this.store.leafById(id);
    if (!stored) return undefined;
    const head = await this.treeHead();
    if (!head) throw new SluiceError('INTERNAL', 'no signed tree head yet');
    const [proof] = await this.storedProofs(this.store, head, [stored.leafIndex]);
    return { record: JSON.parse(stored.recordJson) as LedgerRecord, proof: proof! };
  }

  async treeHead(blockHeight?: number): Promise<SignedTreeHead | undefined> {
    const block = blockHeight === undefined ? await this.store.latestBlock() : await this.store.block(blockHeight);
    return block && signedHead(block);
  }

  async consistencyProof(fromSize: number, toSize?: number): Promise<string[]> {
    const latest = (await this.treeHead())?.treeSize ?? 0;
    const to = toSize ?? latest;
    if (![fromSize, to].every(Number.isSafeInteger) || fromSize < 1 || fromSize > to || to > latest) {
      throw fail.validation('consistency proofs need 1 ≤ fromSize ≤ toSize ≤ the current tree size');
    }
    const path = await withStoredNodes(this.store, (source) => new ProofBuilder(source).consistencyPath(fromSize, to));
    return path.map(bytesToHex);
  }

  trustAnchors(): TrustAnchors {
    return trustAnchorsFor(this.signers, this.operator);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.flush();
    await this.sealing;
    await this.store.close();
  }

  /**
   * The tree as the store holds it now. Blocks are immutable, so while the latest block is the
   * one this process knows (same height and hash), its frontier is reused; otherwise — another
   * gateway appended, or this one is new — the frontier is read back from the stored nodes.
   */
  async current(store: LedgerStore): Promise<TreeState> {
    const latest = await store.latestBlock();
    if (!latest) return EMPTY_TREE;
    const hash = blockHash(latest.header);
    const known = this.known;
    if (known.head?.blockHeight === latest.header.height && known.blockHash === hash) return known;
    const range = await withStoredNodes(store, (source) => CompactRange.load(latest.header.treeSize, source));
    if (bytesToHex(range.root()) !== latest.header.rootHash) {
      throw new SluiceError('INTERNAL', 'ledger store is inconsistent with its latest block; run sluice ledger audit');
    }
    return this.adopt({ head: signedHead(latest), blockHash: hash, range });
  }

  private adopt(state: TreeState): TreeState {
    if ((state.head?.blockHeight ?? -1) >= (this.known.head?.blockHeight ?? -1)) this.known = state;
    return state;
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.queue.length === 0) return;
    const batch = this.queue;
    this.queue = [];
    // This process seals its blocks one after another; appends keep queueing meanwhile.
    this.sealing = this.sealing.then(() => this.seal(batch));
  }

  private async seal(queued: Pending[]): Promise<void> {
    let batch = queued;
    try {
      const sealed = await this.store.appendRound(async (round) => {
        const tree = await this.current(round);
        batch = await this.settleAnchored(round, tree, queued);
        if (batch.length === 0) return undefined;
        const range = tree.range.clone();
        const fresh = new BatchNodes(tree.range);
        const interior: StoredNode[] = [];
        for (const entry of batch) {
          range.append(entry.leafHash, (level, index, hash) => {
            fresh.add(level, index, hash);
            if (level > 0) interior.push({ level, index, hash });
          });
        }
        const header: BlockHeader = {
          height: (tree.head?.blockHeight ?? -1) + 1,
          previousBlockHash: tree.blockHash,
          treeSize: range.size,
          rootHash: bytesToHex(range.root()),
          timestamp: new Date().toISOString(),
          firstLeafIndex: tree.range.size,
          lastLeafIndex: range.size - 1,
        };
        const signatures = await signTreeHead(treeHeadOf(header), this.signers);
        await round.commitBlock({ header, signatures }, batch, interior);
        return { state: { head: signedHead({ header, signatures }), blockHash: blockHash(header), range }, fresh };
      });
      if (!sealed) return;
      // Adopted only once committed: a round that failed leaves the next one to read the store.
      const { head } = this.adopt(sealed.state);
      this.logger?.debug({ height: head!.blockHeight, records: batch.length, treeSize: head!.treeSize }, 'ledger block sealed');
      const builder = new ProofBuilder(sealed.fresh);
      const hex = new HexCache();
      const first = head!.treeSize - batch.length;
      batch.forEach((entry, i) => entry.resolve(proofOf(head!, first + i, builder, hex)));
    } catch (error) {
      this.logger?.error({ err: error, records: batch.length }, 'ledger block could not be sealed');
      for (const entry of batch) entry.reject(error);
    } finally {
      for (const entry of queued) this.uncommitted.delete(entry.recordId);
    }
  }

  /** Answers the queued records that were anchored before (proof, or CONFLICT); returns the rest. */
  private async settleAnchored(store: LedgerStore, tree: TreeState, queued: Pending[]): Promise<Pending[]> {
    const anchored = await store.leavesByIds(queued.map((entry) => entry.recordId));
    if (anchored.size === 0) return queued;
    const rest: Pending[] = [];
    const settled: { entry: Pending; leafIndex: number }[] = [];
    for (const entry of queued) {
      const stored = anchored.get(entry.recordId);
      if (!stored) rest.push(entry);
      else if (stored.recordJson !== entry.recordJson) entry.reject(conflict());
      else settled.push({ entry, leafIndex: stored.leafIndex });
    }
    if (settled.length > 0) {
      const proofs = await this.storedProofs(store, tree.head!, settled.map((s) => s.leafIndex));
      settled.forEach(({ entry }, i) => entry.resolve(proofs[i]!));
    }
    return rest;
  }

  /** Proofs of stored leaves against `head`, from the stored nodes, in one read. */
  private storedProofs(store: LedgerStore, head: SignedTreeHead, leafIndices: readonly number[]): Promise<EmbeddedProof[]> {
    const hex = new HexCache();
    return withStoredNodes(store, (source) => {
      const builder = new ProofBuilder(source);
      return leafIndices.map((leafIndex) => proofOf(head, leafIndex, builder, hex));
    });
  }
}

function proofOf(head: SignedTreeHead, leafIndex: number, builder: ProofBuilder, hex: HexCache): EmbeddedProof {
  return {
    kind: 'embedded',
    leafIndex,
    auditPath: builder.inclusionPath(leafIndex, head.treeSize).map((hash) => hex.of(hash)),
    treeHead: cloneHead(head),
  };
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
