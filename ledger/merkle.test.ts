import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  CompactRange,
  leafHash,
  ProofBuilder,
  rootFromInclusionPath,
  verifyConsistencyPath,
  type NodeSource,
} from './merkle.ts';

// The reference is written straight from RFC 9162 §2.1.1, §2.1.3.1 and §2.1.4.1 — recursive,
// rehashing everything — and hashes through node:crypto directly, independently of merkle.ts.
const sm3 = (...parts: Uint8Array[]) => {
  const hash = createHash('sm3');
  for (const part of parts) hash.update(part);
  return new Uint8Array(hash.digest());
};
const k = (n: number) => 2 ** Math.floor(Math.log2(n - 1));
const leaves = Array.from({ length: 64 }, (_, i) => new TextEncoder().encode(`leaf-${i}`));

function mth(d: Uint8Array[]): Uint8Array {
  if (d.length === 0) return sm3();
  if (d.length === 1) return sm3(Uint8Array.of(0), d[0]!);
  const split = k(d.length);
  return sm3(Uint8Array.of(1), mth(d.slice(0, split)), mth(d.slice(split)));
}

function path(m: number, d: Uint8Array[]): Uint8Array[] {
  if (d.length === 1) return [];
  const split = k(d.length);
  return m < split
    ? [...path(m, d.slice(0, split)), mth(d.slice(split))]
    : [...path(m - split, d.slice(split)), mth(d.slice(0, split))];
}

function subproof(m: number, d: Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [mth(d)];
  const split = k(d.length);
  return m <= split
    ? [...subproof(m, d.slice(0, split), b), mth(d.slice(split))]
    : [...subproof(m - split, d.slice(split), false), mth(d.slice(0, split))];
}

/** A tree built the way the ledger builds it: compact range appends, emitted nodes stored. */
function build(data: Uint8Array[]): { builder: ProofBuilder; roots: Uint8Array[] } {
  const stored = new Map<string, Uint8Array>();
  const source: NodeSource = { node: (level, index) => stored.get(`${level}/${index}`)! };
  const range = CompactRange.empty();
  const roots: Uint8Array[] = [];
  for (const leaf of data) {
    range.append(leafHash(leaf), (level, index, hash) => stored.set(`${level}/${index}`, hash));
    roots.push(range.root());
  }
  return { builder: new ProofBuilder(source), roots };
}

const hex = (list: Uint8Array[]) => list.map((h) => Buffer.from(h).toString('hex'));

describe('Merkle tree (RFC 9162 shape, SM3)', () => {
  const { builder, roots } = build(leaves);

  it('roots equal MTH for every size 1..64', () => {
    for (let n = 1; n <= 64; n++) expect(hex([roots[n - 1]!])).toEqual(hex([mth(leaves.slice(0, n))]));
  });

  it('inclusion paths equal PATH(m, D[n]) and lead back to the root', () => {
    for (let n = 1; n <= 64; n++) {
      const d = leaves.slice(0, n);
      for (let m = 0; m < n; m++) {
        const proof = builder.inclusionPath(m, n);
        expect(hex(proof)).toEqual(hex(path(m, d)));
        expect(hex([rootFromInclusionPath(m, n, leafHash(d[m]!), proof)!])).toEqual(hex([roots[n - 1]!]));
      }
    }
  });

  it('consistency proofs equal PROOF(m, D[n]) and verify', () => {
    for (let n = 1; n <= 64; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = builder.consistencyPath(m, n);
        expect(hex(proof)).toEqual(hex(subproof(m, leaves.slice(0, n), true)));
        expect(verifyConsistencyPath(m, n, roots[m - 1]!, roots[n - 1]!, proof)).toBe(true);
      }
    }
  });

  // A path may also fit a larger tree size (RFC 9162 paths do not bind the size); the size is
  // bound by the signed tree head instead, which the verifier tests cover.
  it('rejects inclusion paths with a wrong index, leaf, length or sibling', () => {
    for (const n of [1, 2, 3, 5, 7, 8, 13, 33, 64]) {
      for (let m = 0; m < n; m++) {
        const proof = builder.inclusionPath(m, n);
        const root = Buffer.from(roots[n - 1]!);
        const reaches = (index: number, size: number, leaf: Uint8Array, p: Uint8Array[]) => {
          const r = rootFromInclusionPath(index, size, leaf, p);
          return r !== undefined && Buffer.from(r).equals(root);
        };
        const leaf = leafHash(leaves[m]!);
        expect(reaches(m, n, leaf, proof)).toBe(true);
        if (n > 1) expect(reaches((m + 1) % n, n, leaf, proof)).toBe(false);
        expect(reaches(m, n, leafHash(leaves[(m + 1) % 64]!), proof)).toBe(false);
        expect(reaches(m, n, leaf, [...proof, leaf])).toBe(false);
        if (proof.length > 0) expect(reaches(m, n, leaf, proof.slice(1))).toBe(false);
        proof.forEach((_, i) => {
          const edited = proof.map((h, j) => (j === i ? leafHash(h) : h));
          expect(reaches(m, n, leaf, edited)).toBe(false);
        });
      }
    }
  });

  it('rejects consistency proofs against another history, size or proof', () => {
    // Same sizes, one early leaf changed: a rebuilt history.
    const rewritten = build(leaves.map((leaf, i) => (i === 0 ? new TextEncoder().encode('forged') : leaf)));
    for (let n = 2; n <= 64; n++) {
      for (let m = 1; m < n; m++) {
        const proof = builder.consistencyPath(m, n);
        expect(verifyConsistencyPath(m, n, roots[m - 1]!, leafHash(roots[n - 1]!), proof)).toBe(false);
        expect(verifyConsistencyPath(m, n, leafHash(roots[m - 1]!), roots[n - 1]!, proof)).toBe(false);
        expect(verifyConsistencyPath(m, n, roots[m - 1]!, roots[n - 1]!, [])).toBe(false);
        expect(verifyConsistencyPath(m, n, roots[m - 1]!, roots[n - 1]!, proof.slice(0, -1))).toBe(false);
        if (m > 1) expect(verifyConsistencyPath(m - 1, n, roots[m - 1]!, roots[n - 1]!, proof)).toBe(false);
        const forged = rewritten.builder.consistencyPath(m, n);
        expect(verifyConsistencyPath(m, n, roots[m - 1]!, rewritten.roots[n - 1]!, forged)).toBe(false);
      }
    }
    expect(verifyConsistencyPath(0, 5, roots[0]!, roots[4]!, [])).toBe(false);
    expect(verifyConsistencyPath(5, 4, roots[4]!, roots[3]!, builder.consistencyPath(4, 5))).toBe(false);
    expect(verifyConsistencyPath(5, 5, roots[4]!, roots[4]!, [])).toBe(true);
    expect(verifyConsistencyPath(5, 5, roots[4]!, roots[5]!, [])).toBe(false);
  });

  it('loads a compact range from stored nodes and keeps growing the same tree', () => {
    const stored = new Map<string, Uint8Array>();
    const grown = CompactRange.empty();
    for (const leaf of leaves.slice(0, 37)) {
      grown.append(leafHash(leaf), (level, index, hash) => stored.set(`${level}/${index}`, hash));
    }
    const reloaded = CompactRange.load(37, { node: (level, index) => stored.get(`${level}/${index}`)! });
    for (const leaf of leaves.slice(37)) reloaded.append(leafHash(leaf));
    expect(hex([reloaded.root()])).toEqual(hex([mth(leaves)]));
  });
});
