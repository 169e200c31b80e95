import { bytesToHex } from '../crypto/index.ts';
import { CompactRange, equalHashes, leafHash } from './merkle.ts';
import { readOperatorPublicKeys } from './operator-key.ts';
import { canonicalRecord } from './record.ts';
import { orgSignatureProblem, verifySignature, type TreeHeadAlg } from './signatures.ts';
import { readSealedOperatorPublicKey } from './sealed-operator-key.ts';
import { ledgerDbPath, openSqliteLedgerStore, type BlockRow, type LeafRow, type LedgerStore, type StoredNode } from './store.ts';
import { blockHash, GENESIS_PREVIOUS_HASH, headStatement, treeHeadOf, trustProblem } from './tree-head.ts';
import type { AuditFinding, AuditReport, SignedTreeHead, TrustAnchors } from './types.ts';

export interface AuditOptions {
  /** Require every block to be signed by these organizations with these keys. */
  trust?: TrustAnchors;
  /** `postgres://…`: audit the ledger the gateways share in that database instead of the data dir's. */
  databaseUrl?: string;
}

const PAGE = 4096;
const MAX_FINDINGS = 1000;

/**
 * Re-derives the embedded ledger from its rows: every leaf hash from its record, every Merkle
 * root and stored interior node from the leaves, every block's link to the one before, every
 * signature. Reads one snapshot, so running gateways may keep appending meanwhile.
 */
export async function auditLedger(dataDir: string, options: AuditOptions = {}): Promise<AuditReport> {
  const store = options.databaseUrl
    ? await (await import('./pg-store.ts')).openPostgresLedgerStore(options.databaseUrl, { readonly: true })
    : openSqliteLedgerStore(ledgerDbPath(dataDir), { readonly: true });
  try {
    let operator: OperatorHistory | undefined;
    let keyFinding: AuditFinding | undefined;
    try {
      operator = options.databaseUrl ? sealedOperatorHistory(await readSealedOperatorPublicKey(store)) : readOperatorPublicKeys(dataDir);
    } catch (error) {
      keyFinding = { where: 'operator key', problem: (error as Error).message };
    }
    const report = await store.snapshot((snapshot) => new Audit(snapshot, operator, options.trust).run());
    return keyFinding ? { ...report, clean: false, findings: [keyFinding, ...report.findings] } : report;
  } finally {
    await store.close();
  }
}

type OperatorHistory = NonNullable<ReturnType<typeof readOperatorPublicKeys>>;

/** A sealed operator key is never rotated: it signed every block from the first. */
function sealedOperatorHistory(sealed: { org: string; publicKey: string } | undefined): OperatorHistory | undefined {
  return sealed && { org: sealed.org, keys: [{ publicKey: sealed.publicKey, fromBlock: 0 }] };
}

class Audit {
  private readonly findings: AuditFinding[] = [];
  private omitted = 0;
  private readonly range = CompactRange.empty();
  private nextLeaf = 0;
  private pendingLeaves: LeafRow[] = [];
  private interiorChecked = 0;
  /**
   * Leaves and nodes already found wrong. A wrong node makes every node above it and every later
   * root differ too; only the lowest wrong place and the first root it changes are reported.
   */
  private readonly wrong = new Set<string>();

  constructor(
    private readonly store: LedgerStore,
    private readonly operator: OperatorHistory | undefined,
    private readonly trust: TrustAnchors | undefined,
  ) {}

  async run(): Promise<AuditReport> {
    let previous: BlockRow | undefined;
    let blocks = 0;
    for (let page = await this.store.blocksFrom(0, PAGE); page.length > 0; page = await this.store.blocksFrom(blocks, PAGE)) {
      for (const block of page) {
        await this.checkBlock(block, previous, blocks);
        previous = block;
        blocks++;
      }
    }
    const counts = await this.store.counts();
    if (counts.leaves > this.range.size) this.find('leaves', `${counts.leaves - this.range.size} leaves are not covered by any block`);
    if (counts.nodes > this.interiorChecked) this.find('nodes', `${counts.nodes - this.interiorChecked} stored nodes belong to no block`);
    if (this.omitted > 0) this.findings.push({ where: 'audit', problem: `${this.omitted} further findings not listed` });
    return { clean: this.findings.length === 0, blocks, records: this.range.size, findings: this.findings };
  }

  private async checkBlock(block: BlockRow, previous: BlockRow | undefined, position: number): Promise<void> {
    const h = block.header;
    const where = `block ${h.height}`;
    if (h.height !== position) this.find(where, `height out of sequence (expected ${position})`);
    const expectedPrevious = previous ? blockHash(previous.header) : GENESIS_PREVIOUS_HASH;
    if (h.previousBlockHash !== expectedPrevious) this.find(where, 'previous block hash mismatch');
    if (h.firstLeafIndex !== this.range.size) this.find(where, 'first leaf index does not follow the previous block');
    if (h.lastLeafIndex !== h.treeSize - 1) this.find(where, 'last leaf index does not match the tree size');
    this.checkSignatures(block);
    if (!Number.isSafeInteger(h.treeSize) || h.treeSize <= this.range.size) {
      this.find(where, 'tree size does not grow');
      return;
    }
    const inherited = this.wrong.size > 0;
    await this.consumeLeaves(h.treeSize, h.height);
    if (this.range.size < h.treeSize) {
      this.find(where, `${h.treeSize - this.range.size} leaves missing`);
      return;
    }
    if (bytesToHex(this.range.root()) !== h.rootHash && !inherited) this.find(where, 'root mismatch');
  }

  private checkSignatures(block: BlockRow): void {
    const where = `block ${block.header.height}`;
    const head: SignedTreeHead = { ...treeHeadOf(block.header), signatures: block.signatures };
    if (block.signatures.length === 0) this.find(where, 'no signatures');
    for (const signature of block.signatures) {
      const shape = orgSignatureProblem({ ...signature });
      if (shape) {
        this.find(where, shape);
        continue;
      }
      const statement = headStatement(head, signature.org);
      if (!verifySignature(signature.alg as TreeHeadAlg, signature.publicKey, signature.signature, statement)) {
        this.find(where, `signature of ${signature.org} invalid`);
      }
    }
    if (this.operator) {
      const operator = block.signatures.find((s) => s.org === this.operator!.org);
      if (!operator) this.find(where, `no signature of operator ${this.operator.org}`);
      else if (operator.publicKey !== this.operatorKeyAt(block.header.height)) this.find(where, 'operator signed with a key other than the ledger operator key');
    }
    const untrusted = this.trust && trustProblem(head, this.trust);
    if (untrusted) this.find(where, untrusted);
  }

  /** The operator key in force at a block height: keys retired by rotations signed the blocks before theirs. */
  private operatorKeyAt(height: number): string | undefined {
    return this.operator!.keys.find((k) => height >= k.fromBlock && height <= (k.untilBlock ?? Number.MAX_SAFE_INTEGER))?.publicKey;
  }

  /** Feeds leaves into the recomputed tree until it reaches `treeSize` or the leaves run out. */
  private async consumeLeaves(treeSize: number, height: number): Promise<void> {
    while (this.range.size < treeSize) {
      if (this.pendingLeaves.length === 0) {
        this.pendingLeaves = await this.store.leavesFrom(this.nextLeaf, PAGE);
        if (this.pendingLeaves.length === 0) return;
      }
      const take = Math.min(this.pendingLeaves.length, treeSize - this.range.size);
      const chunk = this.pendingLeaves.slice(0, take);
      this.pendingLeaves = this.pendingLeaves.slice(take);
      const emitted: StoredNode[] = [];
      for (const leaf of chunk) {
        this.range.append(this.checkLeaf(leaf, height), (level, index, hash) => {
          if (level > 0) emitted.push({ level, index, hash });
        });
      }
      await this.checkInteriorNodes(emitted);
    }
  }

  private checkLeaf(leaf: LeafRow, height: number): Uint8Array {
    const where = `leaf ${this.range.size}`;
    if (leaf.leafIndex !== this.range.size) this.find(where, `stored under index ${leaf.leafIndex}`);
    this.nextLeaf = leaf.leafIndex + 1;
    if (leaf.blockHeight !== height) this.find(where, `assigned to block ${leaf.blockHeight} but covered by block ${height}`);
    let recordJson: string | undefined;
    try {
      const record: unknown = JSON.parse(leaf.recordJson);
      recordJson = canonicalRecord(record);
      if ((record as { id: string }).id !== leaf.recordId) this.find(where, 'record id column does not match the record');
      if (recordJson !== leaf.recordJson) this.find(where, 'record is not stored in canonical form');
    } catch {
      this.find(where, 'record is not a valid ledger record');
    }
    const computed = leafHash(Buffer.from(recordJson ?? String(leaf.recordJson)));
    if (!equalHashes(computed, leaf.leafHash)) {
      this.find(where, 'hash mismatch');
      this.wrong.add(`0/${this.range.size}`);
    }
    return computed;
  }

  /** Stored interior nodes are what proofs are built from; each must equal its recomputation. */
  private async checkInteriorNodes(emitted: StoredNode[]): Promise<void> {
    const byLevel = new Map<number, StoredNode[]>();
    for (const node of emitted) {
      const list = byLevel.get(node.level) ?? [];
      list.push(node);
      byLevel.set(node.level, list);
    }
    for (const [level, nodes] of byLevel) {
      const from = nodes[0]!.index;
      const stored = new Map((await this.store.nodesIn(level, from, nodes[nodes.length - 1]!.index + 1)).map((n) => [n.index, n.hash]));
      for (const node of nodes) {
        const where = `node ${level}/${node.index}`;
        const hash = stored.get(node.index);
        if (hash) this.interiorChecked++;
        const below = this.wrong.has(`${level - 1}/${node.index * 2}`) || this.wrong.has(`${level - 1}/${node.index * 2 + 1}`);
        if (!below && hash && equalHashes(hash, node.hash)) continue;
        this.wrong.add(`${level}/${node.index}`);
        if (!below) this.find(where, hash ? 'hash mismatch' : 'missing');
      }
    }
  }

  private find(where: string, problem: string): void {
    if (this.findings.length < MAX_FINDINGS) this.findings.push({ where, problem });
    else this.omitted++;
  }
}
