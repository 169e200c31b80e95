import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SluiceError } from '../common/errors.ts';
import type { BlockHeader, OrgSignature } from './types.ts';

/**
 * The embedded ledger node's own SQLite file. Every table is append-only (triggers refuse
 * UPDATE and DELETE), which stops accidents; deliberate edits are what the audit catches.
 */

const SCHEMA_VERSION = 1;
const TABLES = ['leaves', 'nodes', 'blocks', 'block_signatures'] as const;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS leaves (
  leaf_index INTEGER PRIMARY KEY,
  record_id TEXT NOT NULL UNIQUE,
  record_json TEXT NOT NULL,
  leaf_hash BLOB NOT NULL,
  block_height INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
  level INTEGER NOT NULL,
  node_index INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, node_index)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS blocks (
  height INTEGER PRIMARY KEY,
  previous_hash TEXT NOT NULL,
  tree_size INTEGER NOT NULL,
  root_hash TEXT NOT NULL,
  timestamp TEXT NOT NULL,
  first_leaf INTEGER NOT NULL,
  last_leaf INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS block_signatures (
  height INTEGER NOT NULL,
  position INTEGER NOT NULL,
  org TEXT NOT NULL,
  alg TEXT NOT NULL,
  public_key TEXT NOT NULL,
  signature TEXT NOT NULL,
  PRIMARY KEY (height, position)
);
${TABLES.map(
  (table) => `
CREATE TRIGGER IF NOT EXISTS ${table}_no_update BEFORE UPDATE ON ${table}
  BEGIN SELECT RAISE(ABORT, 'ledger tables are append-only'); END;
CREATE TRIGGER IF NOT EXISTS ${table}_no_delete BEFORE DELETE ON ${table}
  BEGIN SELECT RAISE(ABORT, 'ledger tables are append-only'); END;`,
).join('')}
`;

export function ledgerDbPath(dataDir: string): string {
  return path.join(dataDir, 'ledger', 'ledger.db');
}

export interface LeafRow {
  leafIndex: number;
  recordId: string;
  recordJson: string;
  leafHash: Uint8Array;
  blockHeight: number;
}

export interface NewLeaf {
  recordId: string;
  recordJson: string;
  leafHash: Uint8Array;
}

export interface StoredNode {
  level: number;
  index: number;
  hash: Uint8Array;
}

export interface BlockRow {
  header: BlockHeader;
  signatures: OrgSignature[];
}

interface RawBlock {
  height: number;
  previous_hash: string;
  tree_size: number;
  root_hash: string;
  timestamp: string;
  first_leaf: number;
  last_leaf: number;
}

interface RawLeaf {
  leaf_index: number;
  record_id: string;
  record_json: string;
  leaf_hash: Buffer;
  block_height: number;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

export class LedgerStore {
  private readonly statements;

  private constructor(private readonly db: Database.Database) {
    const q = <T extends unknown[] = unknown[]>(sql: string) => db.prepare<T>(sql);
    this.statements = {
      leafById: q<[string]>('SELECT leaf_index, record_json FROM leaves WHERE record_id = ?'),
      leavesByIds: q<[string]>(
        'SELECT record_id, leaf_index, record_json FROM leaves WHERE record_id IN (SELECT value FROM json_each(?))',
      ),
      leafHash: q<[number]>('SELECT leaf_hash FROM leaves WHERE leaf_index = ?').pluck(),
      node: q<[number, number]>('SELECT hash FROM nodes WHERE level = ? AND node_index = ?').pluck(),
      insertLeaf: q('INSERT INTO leaves (leaf_index, record_id, record_json, leaf_hash, block_height) VALUES (?, ?, ?, ?, ?)'),
      insertNode: q('INSERT INTO nodes (level, node_index, hash) VALUES (?, ?, ?)'),
      insertBlock: q(
        'INSERT INTO blocks (height, previous_hash, tree_size, root_hash, timestamp, first_leaf, last_leaf) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      insertSignature: q('INSERT INTO block_signatures (height, position, org, alg, public_key, signature) VALUES (?, ?, ?, ?, ?, ?)'),
      latestHeight: q('SELECT MAX(height) FROM blocks').pluck(),
      block: q<[number]>('SELECT * FROM blocks WHERE height = ?'),
      signatures: q<[number]>(
        'SELECT org, alg, public_key AS publicKey, signature FROM block_signatures WHERE height = ? ORDER BY position',
      ),
      blocksPage: q<[number, number]>('SELECT * FROM blocks ORDER BY height LIMIT ? OFFSET ?'),
      leavesFrom: q<[number, number]>('SELECT * FROM leaves WHERE leaf_index >= ? ORDER BY leaf_index LIMIT ?'),
      nodesIn: q<[number, number, number]>(
        'SELECT node_index AS "index", hash FROM nodes WHERE level = ? AND node_index >= ? AND node_index < ? ORDER BY node_index',
      ),
      counts: q(
        'SELECT (SELECT COUNT(*) FROM leaves) AS leaves, (SELECT COUNT(*) FROM nodes) AS nodes, (SELECT COUNT(*) FROM blocks) AS blocks, (SELECT COUNT(*) FROM block_signatures) AS signatures',
      ),
    };
  }

  /** Opens (creating when writable) the store; read-only opening never creates or migrates. */
  static open(file: string, options: { readonly?: boolean } = {}): LedgerStore {
    if (options.readonly) {
      if (!fs.existsSync(file)) throw new SluiceError('NOT_FOUND', 'no embedded ledger in this data directory');
      const db = new Database(file, { readonly: true, fileMustExist: true });
      const version = db.pragma('user_version', { simple: true });
      if (version !== SCHEMA_VERSION) {
        db.close();
        throw new SluiceError('INTERNAL', 'ledger store has an unknown schema version');
      }
      return new LedgerStore(db);
    }
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const db = new Database(file);
    db.pragma('journal_mode = WAL');
    // A block is a promise to callers that it is anchored: make each commit durable.
    db.pragma('synchronous = FULL');
    db.pragma('busy_timeout = 10000');
    const version = db.pragma('user_version', { simple: true });
    if (version !== 0 && version !== SCHEMA_VERSION) {
      db.close();
      throw new SluiceError('INTERNAL', 'ledger store has an unknown schema version');
    }
    db.exec(SCHEMA);
    db.pragma(`user_version = ${SCHEMA_VERSION}`);
    return new LedgerStore(db);
  }

  leafById(recordId: string): { leafIndex: number; recordJson: string } | undefined {
    const row = this.statements.leafById.get(recordId) as { leaf_index: number; record_json: string } | undefined;
    return row && { leafIndex: row.leaf_index, recordJson: row.record_json };
  }

  /** The stored leaves among these record ids, by id; one query for a whole batch. */
  leavesByIds(recordIds: readonly string[]): Map<string, { leafIndex: number; recordJson: string }> {
    const rows = this.statements.leavesByIds.all(JSON.stringify(recordIds)) as { record_id: string; leaf_index: number; record_json: string }[];
    return new Map(rows.map((row) => [row.record_id, { leafIndex: row.leaf_index, recordJson: row.record_json }]));
  }

  /** A stored perfect subtree hash; level 0 is the leaf hash. */
  node(level: number, index: number): Uint8Array | undefined {
    const hash = (level === 0 ? this.statements.leafHash.get(index) : this.statements.node.get(level, index)) as Buffer | undefined;
    return hash && new Uint8Array(hash);
  }

  latestHeight(): number | undefined {
    return (this.statements.latestHeight.get() as number | null) ?? undefined;
  }

  block(height: number): BlockRow | undefined {
    const row = this.statements.block.get(height) as RawBlock | undefined;
    return row && { header: header(row), signatures: this.statements.signatures.all(height) as OrgSignature[] };
  }

  /** Blocks in height order, skipping the first `offset`; paging by position survives edited heights. */
  blocksFrom(offset: number, limit: number): BlockRow[] {
    return (this.statements.blocksPage.all(limit, offset) as RawBlock[]).map((row) => ({
      header: header(row),
      signatures: this.statements.signatures.all(row.height) as OrgSignature[],
    }));
  }

  leavesFrom(leafIndex: number, limit: number): LeafRow[] {
    return (this.statements.leavesFrom.all(leafIndex, limit) as RawLeaf[]).map(leafRow);
  }

  /** Stored interior nodes of one level with index in [from, to). */
  nodesIn(level: number, from: number, to: number): { index: number; hash: Uint8Array }[] {
    return this.statements.nodesIn.all(level, from, to) as { index: number; hash: Buffer }[];
  }

  counts(): { leaves: number; nodes: number; blocks: number; signatures: number } {
    return this.statements.counts.get() as { leaves: number; nodes: number; blocks: number; signatures: number };
  }

  /**
   * Writes one sealed block atomically. The height check makes a second writer on the same
   * file fail instead of forking the chain.
   */
  commitBlock(block: BlockRow, leaves: readonly NewLeaf[], nodes: readonly StoredNode[]): void {
    const { header: h, signatures } = block;
    this.db.transaction(() => {
      const latest = this.latestHeight();
      if ((latest ?? -1) !== h.height - 1) {
        throw new SluiceError('CONFLICT', 'the ledger store was extended by another writer');
      }
      leaves.forEach((leaf, i) =>
        this.statements.insertLeaf.run(h.firstLeafIndex + i, leaf.recordId, leaf.recordJson, toBuffer(leaf.leafHash), h.height),
      );
      for (const node of nodes) this.statements.insertNode.run(node.level, node.index, toBuffer(node.hash));
      this.statements.insertBlock.run(h.height, h.previousBlockHash, h.treeSize, h.rootHash, h.timestamp, h.firstLeafIndex, h.lastLeafIndex);
      signatures.forEach((s, i) => this.statements.insertSignature.run(h.height, i, s.org, s.alg, s.publicKey, s.signature));
    }).immediate();
  }

  /** Runs reads against one snapshot, so an audit sees a consistent ledger while it grows. */
  snapshot<T>(read: () => T): T {
    return this.db.transaction(read).deferred();
  }

  close(): void {
    this.db.close();
  }
}

function header(row: RawBlock): BlockHeader {
  return {
    height: row.height,
    previousBlockHash: row.previous_hash,
    treeSize: row.tree_size,
    rootHash: row.root_hash,
    timestamp: row.timestamp,
    firstLeafIndex: row.first_leaf,
    lastLeafIndex: row.last_leaf,
  };
}

function leafRow(row: RawLeaf): LeafRow {
  return {
    leafIndex: row.leaf_index,
    recordId: row.record_id,
    recordJson: row.record_json,
    leafHash: new Uint8Array(row.leaf_hash),
    blockHeight: row.block_height,
  };
}
