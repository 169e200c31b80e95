import type { Context } from 'fabric-contract-api';
import { beforeEach, describe, expect, it } from 'vitest';
import { canonicalize } from '../crypto/index.ts';
import { decodeStoredRecord, recordStateKey, type LedgerRecord, type RecordPage } from '../ledger/format/index.ts';
import { SluiceContract } from './index.ts';

/**
 * An in-memory stand-in for the ChaincodeStub methods the contract uses, with Fabric's
 * composite-key layout and bookmark paging. The real stub is exercised against a real peer in
 * ledger/fabric/fabric.test.ts.
 */
class MemoryStub {
  readonly state = new Map<string, Uint8Array>();
  events: { name: string; payload: string }[] = [];
  writes = 0;
  txId = 'tx-1';

  getTxID(): string {
    return this.txId;
  }

  async getState(key: string): Promise<Uint8Array> {
    return this.state.get(key) ?? new Uint8Array();
  }

  async putState(key: string, value: Uint8Array): Promise<void> {
    this.writes += 1;
    this.state.set(key, value);
  }

  setEvent(name: string, payload: Uint8Array): void {
    this.events.push({ name, payload: Buffer.from(payload).toString('utf8') });
  }

  createCompositeKey(objectType: string, attributes: string[]): string {
    return `\u0000${[objectType, ...attributes].join('\u0000')}\u0000`;
  }

  splitCompositeKey(key: string): { objectType: string; attributes: string[] } {
    const [objectType = '', ...attributes] = key.slice(1, -1).split('\u0000');
    return { objectType, attributes };
  }

  async getStateByPartialCompositeKeyWithPagination(objectType: string, attributes: string[], pageSize: number, bookmark: string) {
    const prefix = this.createCompositeKey(objectType, attributes);
    const keys = [...this.state.keys()].filter((key) => key.startsWith(prefix) && (bookmark === '' || key >= bookmark)).sort();
    const page = keys.slice(0, pageSize);
    const values = page.map((key) => ({ namespace: 'sluice', key, value: this.state.get(key) as Uint8Array }));
    return {
      iterator: {
        async next() {
          const value = values.shift();
          return value ? { value, done: false } : { value: undefined as never, done: true };
        },
        async close() {},
      },
      metadata: { fetchedRecordsCount: page.length, bookmark: keys[pageSize] ?? '' },
    };
  }
}

function record(overrides: Partial<LedgerRecord> = {}): LedgerRecord {
  return {
    id: 'rcpt-1',
    type: 'transfer.receipt',
    timestamp: '2026-11-26T01:00:00.000Z',
    contractId: 'ctr-1',
    exporterId: 'exp-1',
    data: { digest: 'ab'.repeat(32), rows: 120, fields: ['name', 'city'] },
    ...overrides,
  };
}

describe('SluiceContract', () => {
  let stub: MemoryStub;
  let ctx: Context;
  const contract = new SluiceContract();

  beforeEach(() => {
    stub = new MemoryStub();
    ctx = { stub } as unknown as Context;
  });

  it('anchors a record canonically with the writing transaction id and emits an event', async () => {
    const stored = decodeStoredRecord(await contract.Append(ctx, JSON.stringify(record())));
    expect(stored).toEqual({ record: record(), txId: 'tx-1' });
    const onLedger = Buffer.from(stub.state.get(recordStateKey('rcpt-1')) as Uint8Array).toString('utf8');
    expect(onLedger).toBe(canonicalize({ record: record(), txId: 'tx-1' }));
    expect(stub.events).toEqual([
      { name: 'transfer.receipt', payload: '{"contractId":"ctr-1","exporterId":"exp-1","id":"rcpt-1","txId":"tx-1","type":"transfer.receipt"}' },
    ]);
  });

  it('treats the same record again as a no-op that returns the original transaction', async () => {
    await contract.Append(ctx, JSON.stringify(record()));
    const writes = stub.writes;
    stub.txId = 'tx-2';
    const reordered = JSON.stringify({ data: record().data, timestamp: record().timestamp, type: 'transfer.receipt', exporterId: 'exp-1', contractId: 'ctr-1', id: 'rcpt-1' });
    const again = decodeStoredRecord(await contract.Append(ctx, reordered));
    expect(again.txId).toBe('tx-1');
    expect(stub.writes).toBe(writes);
    expect(stub.events).toHaveLength(1);
  });

  it('rejects a different record under an existing id', async () => {
    await contract.Append(ctx, JSON.stringify(record()));
    await expect(contract.Append(ctx, JSON.stringify(record({ data: { rows: 121 } })))).rejects.toThrow(/^sluice:conflict /);
  });

  it.each([
    ['not JSON', '{'],
    ['an array', '[]'],
    ['an unknown type', JSON.stringify(record({ type: 'transfer.sent' as never }))],
    ['a local timestamp', JSON.stringify(record({ timestamp: '2026-11-26T09:00:00+08:00' }))],
    ['an impossible date', JSON.stringify(record({ timestamp: '2024-02-30T00:00:00Z' }))],
    ['an id with U+10FFFF', JSON.stringify(record({ id: 'a\u{10ffff}' }))],
    ['an id with a control character', JSON.stringify(record({ id: 'a\nb' }))],
    ['a lone surrogate', JSON.stringify(record({ data: { note: '\ud800' } }))],
    ['an unknown field', JSON.stringify({ ...record(), extra: 1 })],
    ['data that is not an object', JSON.stringify({ ...record(), data: [1] })],
    ['an oversized record', JSON.stringify(record({ data: { blob: 'x'.repeat(70_000) } }))],
  ])('rejects %s as invalid', async (_name, input) => {
    await expect(contract.Append(ctx, input)).rejects.toThrow(/^sluice:invalid /);
    expect(stub.writes).toBe(0);
  });

  it('answers an unknown id with an empty response', async () => {
    expect(await contract.Get(ctx, 'missing')).toBe('');
  });

  it('lists records by contract and by exporter, page by page', async () => {
    for (let i = 0; i < 5; i += 1) {
      stub.txId = `tx-${i}`;
      await contract.Append(ctx, JSON.stringify(record({ id: `r-${i}`, contractId: i < 3 ? 'ctr-a' : 'ctr-b', exporterId: 'exp-1' })));
    }
    const first = JSON.parse(await contract.ListByContract(ctx, 'ctr-a', '2', '')) as RecordPage;
    expect(first.records.map((r) => r.record.id)).toEqual(['r-0', 'r-1']);
    const second = JSON.parse(await contract.ListByContract(ctx, 'ctr-a', '2', first.bookmark)) as RecordPage;
    expect(second.records.map((r) => r.record.id)).toEqual(['r-2']);
    expect(second.bookmark).toBe('');
    const byExporter = JSON.parse(await contract.ListByExporter(ctx, 'exp-1', '10', '')) as RecordPage;
    expect(byExporter.records.map((r) => r.txId)).toEqual(['tx-0', 'tx-1', 'tx-2', 'tx-3', 'tx-4']);
    await expect(contract.ListByExporter(ctx, 'exp-1', '0', '')).rejects.toThrow(/^sluice:invalid /);
  });
});
