import { describe, expect, it } from 'vitest';
import { bytesToHex, canonicalize } from '../crypto/index.ts';
import { CompactRange, leafHash, nodeHash } from './merkle.ts';
import { headStatement } from './tree-head.ts';

// The worked examples of docs/LEDGER.md §2 and §4, so the document and the code cannot drift apart.
describe('docs/LEDGER.md test vectors', () => {
  const leaf = (text: string) => leafHash(new TextEncoder().encode(text));

  it('hashes leaves, nodes and a three-leaf tree', () => {
    const [a, b, c] = [leaf('a'), leaf('b'), leaf('c')];
    expect(bytesToHex(a)).toBe('c688f41bcd570f9651ccb215058a545f66f52ab4eac2968896e1637af9443d8c');
    expect(bytesToHex(b)).toBe('724af679db0196244526c0138b438a44458c320e7e610e75e13f3dec5f0ccbb9');
    expect(bytesToHex(c)).toBe('5b280c126260877493fd073e309507ce00677c1f89d8d24d97d61a7a4dff401c');
    expect(bytesToHex(nodeHash(a, b))).toBe('2c537e31416ae684fd8a1552a3bcd5a452274e02a45d67c856405b3a1108ee90');
    const range = CompactRange.empty();
    for (const hash of [a, b, c]) range.append(hash);
    expect(bytesToHex(range.root())).toBe('2706e4e4d41c1ed9c3fe7f7822bf360a67abcc052cc2c00022c1313ec3ded965');
  });

  it('turns a record into its canonical form and leaf hash', () => {
    const record = {
      id: 'rcpt-1',
      type: 'transfer.receipt',
      timestamp: '2026-05-01T08:30:00.000Z',
      contractId: 'ctr-7',
      exporterId: 'party-3',
      data: { transferId: 'tr-1', records: 121, subjects: 37 },
    };
    const json = canonicalize(record);
    expect(json).toBe(
      '{"contractId":"ctr-7","data":{"records":121,"subjects":37,"transferId":"tr-1"},"exporterId":"party-3","id":"rcpt-1","timestamp":"2026-05-01T08:30:00.000Z","type":"transfer.receipt"}',
    );
    expect(bytesToHex(leaf(json))).toBe('8eff44e784674bb99158a4ec143ed52c8c813aaddb9a91448a98aebadf01fa72');
  });

  it('builds the statement an organization signs', () => {
    const head = {
      treeSize: 3,
      rootHash: '2706e4e4d41c1ed9c3fe7f7822bf360a67abcc052cc2c00022c1313ec3ded965',
      timestamp: '2026-05-01T08:30:00.005Z',
      blockHeight: 0,
      previousBlockHash: '0'.repeat(64),
    };
    expect(new TextDecoder().decode(headStatement(head, 'operator'))).toBe(
      '{"blockHeight":0,"org":"operator","previousBlockHash":"0000000000000000000000000000000000000000000000000000000000000000","rootHash":"2706e4e4d41c1ed9c3fe7f7822bf360a67abcc052cc2c00022c1313ec3ded965","timestamp":"2026-05-01T08:30:00.005Z","treeSize":3,"type":"sluice.ledger.sth.v1"}',
    );
  });
});
