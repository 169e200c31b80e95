import { sm3 } from '../crypto/index.ts';

/**
 * The Merkle tree of RFC 9162 §2.1 with SM3 as the hash. Sizes and indices are plain numbers
 * handled arithmetically (not with 32-bit bitwise operators), so trees past 2^31 leaves stay exact.
 */

// Hashing is synchronous and copies its input, so one scratch buffer can hold every preimage:
// allocating a small typed array per hash costs about as much as the SM3 call itself.
let scratch = new Uint8Array(1024);

function hashWithPrefix(prefix: number, a: Uint8Array, b?: Uint8Array): Uint8Array {
  const length = 1 + a.length + (b?.length ?? 0);
  if (length > scratch.length) scratch = new Uint8Array(2 ** Math.ceil(Math.log2(length)));
  scratch[0] = prefix;
  scratch.set(a, 1);
  if (b) scratch.set(b, 1 + a.length);
  return sm3(scratch.subarray(0, length));
}

export function leafHash(leafData: Uint8Array): Uint8Array {
  return hashWithPrefix(0x00, leafData);
}

export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  return hashWithPrefix(0x01, left, right);
}

export function equalHashes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The largest power of two strictly below n (n ≥ 2): where RFC 9162 splits a tree of n leaves. */
function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

function isPowerOfTwo(n: number): boolean {
  return n >= 1 && (n <= 0x7fffffff ? (n & (n - 1)) === 0 : Number.isInteger(Math.log2(n)));
}

/**
 * Hashes of perfect subtrees: node(level, index) covers leaves [index·2^level, (index+1)·2^level).
 * Every subtree RFC 9162 asks for is either perfect or a right edge, which decomposes into
 * perfect ones, so storing these is enough to answer any proof without rehashing leaves.
 */
export interface NodeSource {
  node(level: number, index: number): Uint8Array;
}

/**
 * Builds audit and consistency paths from stored perfect subtrees. Right-edge subtree hashes
 * are memoized: all paths built against one tree size share the same few right edges.
 */
export class ProofBuilder {
  private readonly ranges = new Map<string, Uint8Array>();

  constructor(private readonly source: NodeSource) {}

  /** MTH(D[start : start+size]); start is aligned as in every RFC 9162 recursion. */
  rangeHash(start: number, size: number): Uint8Array {
    if (isPowerOfTwo(size)) return this.source.node(Math.log2(size), start / size);
    const key = `${start}:${size}`;
    let hash = this.ranges.get(key);
    if (!hash) {
      const k = splitPoint(size);
      hash = nodeHash(this.rangeHash(start, k), this.rangeHash(start + k, size - k));
      this.ranges.set(key, hash);
    }
    return hash;
  }

  /** RFC 9162 §2.1.3.1 PATH(m, D[0:n]), sibling hashes from the leaf up. */
  inclusionPath(leafIndex: number, treeSize: number): Uint8Array[] {
    const topDown: Uint8Array[] = [];
    let start = 0;
    let size = treeSize;
    let m = leafIndex;
    while (size > 1) {
      const k = splitPoint(size);
      if (m < k) {
        topDown.push(this.rangeHash(start + k, size - k));
        size = k;
      } else {
        topDown.push(this.rangeHash(start, k));
        start += k;
        m -= k;
        size -= k;
      }
    }
    return topDown.reverse();
  }

  /** RFC 9162 §2.1.4.1 PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true). */
  consistencyPath(first: number, second: number): Uint8Array[] {
    return this.subproof(first, 0, second, true);
  }

  private subproof(m: number, start: number, size: number, complete: boolean): Uint8Array[] {
    if (m === size) return complete ? [] : [this.rangeHash(start, size)];
    const k = splitPoint(size);
    if (m <= k) return [...this.subproof(m, start, k, complete), this.rangeHash(start + k, size - k)];
    return [...this.subproof(m - k, start + k, size - k, false), this.rangeHash(start, k)];
  }
}

/** RFC 9162 §2.1.3.2: the root an inclusion path leads to, or undefined when its shape is wrong. */
export function rootFromInclusionPath(
  leafIndex: number,
  treeSize: number,
  leaf: Uint8Array,
  path: readonly Uint8Array[],
): Uint8Array | undefined {
  if (leafIndex >= treeSize) return undefined;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of path) {
    if (sn === 0) return undefined;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : undefined;
}

/**
 * RFC 9162 §2.1.4.2. Equal sizes need an empty proof and equal roots; size 0 is refused because
 * no signed head of this ledger is ever empty.
 */
export function verifyConsistencyPath(
  first: number,
  second: number,
  firstRoot: Uint8Array,
  secondRoot: Uint8Array,
  path: readonly Uint8Array[],
): boolean {
  if (first < 1 || first > second) return false;
  if (first === second) return path.length === 0 && equalHashes(firstRoot, secondRoot);
  if (path.length === 0) return false;
  const nodes = isPowerOfTwo(first) ? [firstRoot, ...path] : [...path];
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = nodes[0]!;
  let sr = nodes[0]!;
  for (const c of nodes.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn /= 2;
        sn = Math.floor(sn / 2);
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && equalHashes(fr, firstRoot) && equalHashes(sr, secondRoot);
}

/**
 * The perfect subtrees covering [0, size), one per set bit of size (a "compact range"). Enough
 * to extend the tree and compute its root without touching earlier leaves.
 */
export class CompactRange {
  private constructor(
    private count: number,
    /** byLevel[L] is the frontier subtree of 2^L leaves, present iff bit L of count is set. */
    private readonly byLevel: (Uint8Array | undefined)[],
  ) {}

  static empty(): CompactRange {
    return new CompactRange(0, []);
  }

  /** Loads the frontier of a stored tree of `size` leaves. */
  static load(size: number, source: NodeSource): CompactRange {
    const byLevel: (Uint8Array | undefined)[] = [];
    for (let level = 0, rest = size; rest > 0; level++, rest = Math.floor(rest / 2)) {
      if (rest % 2 === 1) byLevel[level] = source.node(level, Math.floor(size / 2 ** level) - 1);
    }
    return new CompactRange(size, byLevel);
  }

  get size(): number {
    return this.count;
  }

  clone(): CompactRange {
    return new CompactRange(this.count, [...this.byLevel]);
  }

  /** Appends one leaf hash; `emit` sees the leaf and every perfect subtree it completes. */
  append(leaf: Uint8Array, emit?: (level: number, index: number, hash: Uint8Array) => void): void {
    const newSize = this.count + 1;
    emit?.(0, this.count, leaf);
    let node = leaf;
    let level = 0;
    for (let left = this.byLevel[level]; left; left = this.byLevel[level]) {
      node = nodeHash(left, node);
      this.byLevel[level] = undefined;
      level++;
      emit?.(level, newSize / 2 ** level - 1, node);
    }
    this.byLevel[level] = node;
    this.count = newSize;
  }

  /** The frontier subtree node(level, index), if it is one. */
  frontierNode(level: number, index: number): Uint8Array | undefined {
    const node = this.byLevel[level];
    return node && index === Math.floor(this.count / 2 ** level) - 1 ? node : undefined;
  }

  root(): Uint8Array {
    let root: Uint8Array | undefined;
    for (const node of this.byLevel) {
      if (node) root = root ? nodeHash(node, root) : node;
    }
    if (!root) throw new RangeError('an empty tree has no signed root here');
    return root;
  }
}
