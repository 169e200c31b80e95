import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { Kysely, sql, SqliteDialect, type Compilable, type CompiledQuery, type SqliteDatabase, type Transaction } from 'kysely';
import { SluiceError } from '../common/errors.ts';
import type { NodeSource } from './merkle.ts';
import type { BlockHeader, OrgSignature } from './types.ts';

/**
 * Where the embedded ledger keeps its rows: its own SQLite file in the data dir (one gateway),
 * or the `ledger` schema of the gateways' PostgreSQL database (any number of gateways, one
 * appender at a time). The same queries serve both. Every table is append-only (triggers refuse
 * UPDATE and DELETE), which stops accidents; deliberate edits are what the audit catches.
 */

export interface LedgerTables {
  leaves: { leaf_index: number; record_id: string; record_json: string; leaf_hash: Uint8Array; block_height: number };
  nodes: { level: number; node_index: number; hash: Uint8Array };
  blocks: {
    height: number;
    previous_hash: string;
    tree_size: number;
    root_hash: string;
    timestamp: string;
    first_leaf: number;
    last_leaf: number;
  };
  block_signatures: { height: number; position: number; org: string; alg: string; public_key: string; signature: string };
  /** PostgreSQL only: the operator's signing key, sealed under a KMS key (ledger/sealed-operator-key.ts). */
  operator_keys: { org: string; alg: string; public_key: string; key_id: string; sealed_key: string; created_at: string };
}

export type LedgerDb = Kysely<LedgerTables>;

const SCHEMA_VERSION = 1;
const TABLES = ['leaves', 'nodes', 'blocks', 'block_signatures'] as const;
/** Rows per INSERT statement: far below either engine's parameter limit. */
const INSERT_ROWS = 500;
/** Node coordinates per lookup statement. */
const LOOKUP_NODES = 200;

const SQLITE_SCHEMA = `
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

export interface StoredLeaf {
  leafIndex: number;
  recordJson: string;
}

/** How one engine serializes appenders and takes consistent snapshots. */
export interface StoreEngine {
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Runs one append round as the only appender of the ledger, across every process sharing it;
   * `round` reads and writes inside it.
   */
  exclusive<T>(db: LedgerDb, round: (db: LedgerDb) => Promise<T>): Promise<T>;
  snapshot<T>(db: LedgerDb, read: (db: LedgerDb) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** A unique-key violation in either engine: another appender got there first. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}

export function nodeKey(level: number, index: number): string {
  return `${level}/${index}`;
}

export class LedgerStore {
  constructor(
    private readonly db: LedgerDb,
    private readonly engine: StoreEngine,
    private readonly cache: NodeCache | undefined = new NodeCache(),
    private readonly queries = preparedQueries(),
  ) {}

  get kind(): 'sqlite' | 'postgres' {
    return this.engine.kind;
  }

  /** The database handle, for what lives beside the tree (the sealed operator key). */
  get database(): LedgerDb {
    return this.db;
  }

  /** Runs an append round as the ledger's only appender; see `StoreEngine.exclusive`. */
  appendRound<T>(round: (store: LedgerStore) => Promise<T>): Promise<T> {
    return this.engine.exclusive(this.db, (db) => round(new LedgerStore(db, this.engine, this.cache, this.queries)));
  }

  /** Runs reads against one snapshot, so an audit sees a consistent ledger while it grows. */
  snapshot<T>(read: (store: LedgerStore) => Promise<T>): Promise<T> {
    return this.engine.snapshot(this.db, (db) => read(new LedgerStore(db, this.engine, undefined, this.queries)));
  }

  async leafById(recordId: string): Promise<StoredLeaf | undefined> {
    const [row] = await this.queries.leafById.run(this.db, [recordId]);
    return row && { leafIndex: row.leaf_index, recordJson: row.record_json };
  }

  /** The stored leaves among these record ids, by id. */
  async leavesByIds(recordIds: readonly string[]): Promise<Map<string, StoredLeaf>> {
    const found = new Map<string, StoredLeaf>();
    for (const ids of chunks([...new Set(recordIds)], INSERT_ROWS)) {
      const rows = await this.db.selectFrom('leaves').select(['record_id', 'leaf_index', 'record_json']).where('record_id', 'in', ids).execute();
      for (const row of rows) found.set(row.record_id, { leafIndex: row.leaf_index, recordJson: row.record_json });
    }
    return found;
  }

  /**
   * Stored perfect subtree hashes (level 0: leaf hashes), keyed by `nodeKey`. Stored nodes never
   * change, so the ones read are kept (up to a bound): proofs against one head share their upper
   * nodes. Audits read through `snapshot`, which never uses the cache.
   */
  async nodes(coordinates: readonly { level: number; index: number }[]): Promise<Map<string, Uint8Array>> {
    const found = new Map<string, Uint8Array>();
    const missing: { level: number; index: number }[] = [];
    for (const c of coordinates) {
      const cached = this.cache?.get(nodeKey(c.level, c.index));
      if (cached) found.set(nodeKey(c.level, c.index), cached);
      else missing.push(c);
    }
    for (const part of chunks(missing, LOOKUP_NODES)) {
      const leaves = part.filter((c) => c.level === 0).map((c) => c.index);
      const interior = part.filter((c) => c.level > 0);
      for (const row of await this.queries.nodes.run(this.db, leaves, interior)) found.set(nodeKey(row.level, row.node_index), new Uint8Array(row.hash));
    }
    for (const c of missing) {
      const hash = found.get(nodeKey(c.level, c.index));
      if (hash) this.cache?.set(nodeKey(c.level, c.index), hash);
    }
    return found;
  }

  async latestBlock(): Promise<BlockRow | undefined> {
    return this.blockAt('latest');
  }

  async block(height: number): Promise<BlockRow | undefined> {
    return this.blockAt(height);
  }

  /** One block and its signatures, in one query. */
  private async blockAt(height: number | 'latest'): Promise<BlockRow | undefined> {
    const rows = height === 'latest' ? await this.queries.latestBlock.run(this.db, []) : await this.queries.block.run(this.db, [height]);
    const first = rows[0];
    if (!first) return undefined;
    const signatures: OrgSignature[] = [];
    for (const r of rows) if (r.org !== null) signatures.push({ org: r.org, alg: r.alg as OrgSignature['alg'], publicKey: r.public_key!, signature: r.signature! });
    return { header: header(first), signatures };
  }

  /** Blocks in height order, skipping the first `offset`; paging by position survives edited heights. */
  async blocksFrom(offset: number, limit: number): Promise<BlockRow[]> {
    const rows = await this.db.selectFrom('blocks').selectAll().orderBy('height').limit(limit).offset(offset).execute();
    const signatures = rows.length === 0 ? [] : await this.db
      .selectFrom('block_signatures')
      .selectAll()
      .where('height', 'in', [...new Set(rows.map((r) => r.height))])
      .orderBy('height')
      .orderBy('position')
      .execute();
    const byHeight = new Map<number, OrgSignature[]>();
    for (const s of signatures) byHeight.set(s.height, [...(byHeight.get(s.height) ?? []), orgSignature(s)]);
    return rows.map((row) => ({ header: header(row), signatures: byHeight.get(row.height) ?? [] }));
  }

  async leavesFrom(leafIndex: number, limit: number): Promise<LeafRow[]> {
    const rows = await this.db.selectFrom('leaves').selectAll().where('leaf_index', '>=', leafIndex).orderBy('leaf_index').limit(limit).execute();
    return rows.map((row) => ({
      leafIndex: row.leaf_index,
      recordId: row.record_id,
      recordJson: row.record_json,
      leafHash: new Uint8Array(row.leaf_hash),
      blockHeight: row.block_height,
    }));
  }

  /** Stored interior nodes of one level with index in [from, to). */
  async nodesIn(level: number, from: number, to: number): Promise<{ index: number; hash: Uint8Array }[]> {
    const rows = await this.db
      .selectFrom('nodes')
      .select(['node_index', 'hash'])
      .where('level', '=', level)
      .where('node_index', '>=', from)
      .where('node_index', '<', to)
      .orderBy('node_index')
      .execute();
    return rows.map((row) => ({ index: row.node_index, hash: new Uint8Array(row.hash) }));
  }

  async counts(): Promise<{ leaves: number; nodes: number; blocks: number; signatures: number }> {
    const count = async (table: (typeof TABLES)[number]) =>
      Number((await this.db.selectFrom(table).select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    return { leaves: await count('leaves'), nodes: await count('nodes'), blocks: await count('blocks'), signatures: await count('block_signatures') };
  }

  /**
   * Writes one sealed block atomically. The block row goes first: its height is the primary
   * key, so a second appender that built on the same previous block fails here instead of
   * forking the chain (and on SQLite the write lock is taken before anything is read).
   */
  async commitBlock(block: BlockRow, leaves: readonly NewLeaf[], nodes: readonly StoredNode[]): Promise<void> {
    const write = async (trx: LedgerDb) => {
      const { header: h, signatures } = block;
      await trx
        .insertInto('blocks')
        .values({
          height: h.height,
          previous_hash: h.previousBlockHash,
          tree_size: h.treeSize,
          root_hash: h.rootHash,
          timestamp: h.timestamp,
          first_leaf: h.firstLeafIndex,
          last_leaf: h.lastLeafIndex,
        })
        .execute();
      const previous = h.height === 0 ? undefined : await trx.selectFrom('blocks').select('tree_size').where('height', '=', h.height - 1).executeTakeFirst();
      if ((previous?.tree_size ?? 0) !== h.firstLeafIndex || (h.height > 0 && !previous)) throw extended();
      for (const part of chunks(leaves.map((leaf, i) => ({ leaf, i })), INSERT_ROWS)) {
        await trx
          .insertInto('leaves')
          .values(part.map(({ leaf, i }) => ({
            leaf_index: h.firstLeafIndex + i,
            record_id: leaf.recordId,
            record_json: leaf.recordJson,
            leaf_hash: toBuffer(leaf.leafHash),
            block_height: h.height,
          })))
          .execute();
      }
      for (const part of chunks(nodes, INSERT_ROWS)) {
        await trx.insertInto('nodes').values(part.map((n) => ({ level: n.level, node_index: n.index, hash: toBuffer(n.hash) }))).execute();
      }
      await trx
        .insertInto('block_signatures')
        .values(signatures.map((s, position) => ({ height: h.height, position, org: s.org, alg: s.alg, public_key: s.publicKey, signature: s.signature })))
        .execute();
    };
    try {
      if (this.db.isTransaction) await write(this.db);
      else await this.db.transaction().execute((trx) => write(trx));
    } catch (error) {
      if (isUniqueViolation(error)) throw extended(error);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.engine.close();
  }
}

/**
 * A query built and compiled once, then run with other values for its parameters (same number,
 * same order): for the queries behind every proof, building and compiling with Kysely costs
 * more than the database takes to answer.
 */
class Prepared<P extends readonly unknown[], R> {
  private compiled: CompiledQuery<R> | undefined;

  constructor(private readonly build: (db: LedgerDb, ...params: P) => Compilable<R>) {}

  async run(db: LedgerDb, params: P): Promise<R[]> {
    if (!this.compiled) {
      const compiled = this.build(db, ...params).compile();
      if (compiled.parameters.length !== params.length) throw new SluiceError('INTERNAL', 'a prepared ledger query has other parameters than it is given');
      this.compiled = compiled;
    }
    const query: CompiledQuery<R> = { ...this.compiled, parameters: params };
    return (await db.executeQuery(query)).rows;
  }
}

function blockWithSignatures(db: LedgerDb) {
  return db
    .selectFrom('blocks as b')
    .leftJoin('block_signatures as s', 's.height', 'b.height')
    .selectAll('b')
    .select(['s.org', 's.alg', 's.public_key', 's.signature'])
    .orderBy('s.position');
}

/** Leaf hashes and interior nodes in one query, prepared once per shape (how many of each). */
class NodeLookups {
  private readonly byShape = new Map<string, Prepared<number[], { level: number; node_index: number; hash: Uint8Array }>>();

  run(db: LedgerDb, leaves: readonly number[], interior: readonly { level: number; index: number }[]) {
    const shape = `${leaves.length}/${interior.length}`;
    let prepared = this.byShape.get(shape);
    if (!prepared) {
      prepared = new Prepared((handle: LedgerDb, ...params: number[]) => {
        const pairs = params.slice(leaves.length);
        return nodeQuery(handle, params.slice(0, leaves.length), Array.from({ length: pairs.length / 2 }, (_, i) => ({ level: pairs[2 * i]!, index: pairs[2 * i + 1]! })));
      });
      if (this.byShape.size >= 1024) this.byShape.delete(this.byShape.keys().next().value as string);
      this.byShape.set(shape, prepared);
    }
    return prepared.run(db, [...leaves, ...interior.flatMap((c) => [c.level, c.index])]);
  }
}

function nodeQuery(db: LedgerDb, leaves: readonly number[], interior: readonly { level: number; index: number }[]) {
  const leafHashes = db.selectFrom('leaves').select([sql<number>`0`.as('level'), 'leaf_index as node_index', 'leaf_hash as hash']).where('leaf_index', 'in', leaves);
  // Row-value IN: both engines answer each pair from the primary key.
  const nodeHashes = db
    .selectFrom('nodes')
    .select(['level', 'node_index', 'hash'])
    .where(({ eb, refTuple, tuple }) => eb(refTuple('level', 'node_index'), 'in', interior.map((c) => tuple(c.level, c.index))));
  return leaves.length === 0 ? nodeHashes : interior.length === 0 ? leafHashes : leafHashes.unionAll(nodeHashes);
}

function preparedQueries() {
  return {
    nodes: new NodeLookups(),
    leafById: new Prepared((db, recordId: string) => db.selectFrom('leaves').select(['leaf_index', 'record_json']).where('record_id', '=', recordId)),
    latestBlock: new Prepared((db) => blockWithSignatures(db).where('b.height', '=', (eb) => eb.selectFrom('blocks').select((e) => e.fn.max('height').as('latest')))),
    block: new Prepared((db, height: number) => blockWithSignatures(db).where('b.height', '=', height)),
  };
}

/** Least recently used stored nodes, bounded. */
class NodeCache {
  private readonly entries = new Map<string, Uint8Array>();

  constructor(private readonly limit = 65_536) {}

  get(key: string): Uint8Array | undefined {
    const hash = this.entries.get(key);
    if (hash) {
      this.entries.delete(key);
      this.entries.set(key, hash);
    }
    return hash;
  }

  set(key: string, hash: Uint8Array): void {
    this.entries.set(key, hash);
    if (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value as string);
  }
}

function extended(cause?: unknown): SluiceError {
  return new SluiceError('CONFLICT', 'the ledger store was extended by another writer', undefined, { cause });
}

/**
 * Builds something from stored perfect-subtree hashes fetched in one round: a dry run against
 * placeholders records which nodes it reads (which ones depends only on sizes and indices,
 * never on hash values), then the real run gets them.
 */
export async function withStoredNodes<T>(store: LedgerStore, build: (source: NodeSource) => T): Promise<T> {
  const wanted = new Map<string, { level: number; index: number }>();
  const placeholder = new Uint8Array(32);
  build({ node: (level, index) => (wanted.set(nodeKey(level, index), { level, index }), placeholder) });
  const found = await store.nodes([...wanted.values()]);
  return build({
    node: (level, index) => {
      const hash = found.get(nodeKey(level, index));
      if (!hash) throw new SluiceError('INTERNAL', 'ledger store lacks a Merkle node; run sluice ledger audit');
      return hash;
    },
  });
}

/** The ledger's own SQLite file: one process appends, serialized in-process. */
export function openSqliteLedgerStore(file: string, options: { readonly?: boolean } = {}): LedgerStore {
  let sqlite: Database.Database;
  if (options.readonly) {
    if (!fs.existsSync(file)) throw new SluiceError('NOT_FOUND', 'no embedded ledger in this data directory');
    sqlite = new Database(file, { readonly: true, fileMustExist: true });
  } else {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    sqlite = new Database(file);
    sqlite.pragma('journal_mode = WAL');
    // A block is a promise to callers that it is anchored: make each commit durable.
    sqlite.pragma('synchronous = FULL');
    sqlite.pragma('busy_timeout = 10000');
  }
  const version = sqlite.pragma('user_version', { simple: true });
  if (version !== SCHEMA_VERSION && (options.readonly || version !== 0)) {
    sqlite.close();
    throw new SluiceError('INTERNAL', 'ledger store has an unknown schema version');
  }
  if (!options.readonly) {
    sqlite.exec(SQLITE_SCHEMA);
    sqlite.pragma(`user_version = ${SCHEMA_VERSION}`);
  }
  const db = new Kysely<LedgerTables>({ dialect: new SqliteDialect({ database: reusingStatements(sqlite) }) });
  const engine: StoreEngine = {
    kind: 'sqlite',
    exclusive: (handle, round) => round(handle),
    snapshot: (handle, read) => handle.transaction().execute((trx: Transaction<LedgerTables>) => read(trx)),
    close: () => db.destroy(),
  };
  return new LedgerStore(db, engine);
}

/**
 * The connection as Kysely's SQLite dialect sees it, with each statement compiled once: the
 * ledger runs the same few queries over and over, and compiling them again would cost more
 * than running them.
 */
function reusingStatements(sqlite: Database.Database): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => sqlite.close(),
    prepare: (text: string) => {
      let statement = statements.get(text);
      if (!statement) {
        statement = sqlite.prepare(text);
        if (statements.size >= 1024) statements.delete(statements.keys().next().value as string);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

function header(row: LedgerTables['blocks']): BlockHeader {
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

function orgSignature(row: LedgerTables['block_signatures']): OrgSignature {
  return { org: row.org, alg: row.alg as OrgSignature['alg'], publicKey: row.public_key, signature: row.signature };
}
