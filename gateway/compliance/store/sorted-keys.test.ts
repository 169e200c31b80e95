import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { markFound, mergeDistinct, mergeRuns, sortDistinct } from './sorted-keys.ts';
import { SubjectRuns } from './subject-runs.ts';
import { SubjectSet } from './subject-set.ts';

const K = 16;
const hexKeys = (keys: Uint8Array) => Array.from({ length: keys.length / K }, (_, i) => Buffer.from(keys.subarray(i * K, (i + 1) * K)).toString('hex'));
const pack = (hex: string[]) => new Uint8Array(Buffer.from(hex.join(''), 'hex'));

/** Keys sharing long prefixes, so comparisons must look past the first bytes. */
function clustered(n: number): Uint8Array {
  const keys = randomBytes(n * K);
  for (let i = 0; i < n; i++) keys.fill(i % 3, i * K, i * K + 12);
  return keys;
}

describe('sorted subject keys', () => {
  it.each([
    ['random keys', randomBytes(5000 * K)],
    ['keys with shared prefixes', clustered(5000)],
    ['no keys', new Uint8Array(0)],
  ])('sortDistinct sorts and de-duplicates %s', (_label, keys) => {
    const withRepeats = Buffer.concat([keys, keys.subarray(0, Math.min(keys.length, 100 * K))]);
    expect(hexKeys(sortDistinct(withRepeats))).toEqual([...new Set(hexKeys(keys))].sort());
  });

  it('SubjectSet.merge is the de-duplicated union of overlapping sets of any relative size', () => {
    const keys = clustered(4000);
    for (const [from, to] of [[0, 10], [5, 3000], [2000, 4000]] as const) {
      const a = SubjectSet.fromPacked(keys.subarray(0, 2500 * K));
      const b = SubjectSet.fromPacked(keys.subarray(from * K, to * K));
      const expected = [...new Set([...hexKeys(a.keys), ...hexKeys(b.keys)])].sort();
      expect(hexKeys(a.merge(b).keys)).toEqual(expected);
      expect(hexKeys(b.merge(a).keys)).toEqual(expected);
    }
    expect(hexKeys(mergeDistinct(new Uint8Array(0), sortDistinct(keys)))).toEqual(hexKeys(sortDistinct(keys)));
  });

  it('mergeRuns merges disjoint runs of any relative size', () => {
    const all = sortDistinct(clustered(3000));
    const hex = hexKeys(all);
    for (const split of [1, 10, 1500, 2990]) {
      const small = hex.filter((_, i) => i % Math.max(1, Math.floor(hex.length / split)) === 0);
      const large = hex.filter((h) => !small.includes(h));
      expect(hexKeys(mergeRuns(pack(large), pack(small)))).toEqual(hex);
      expect(hexKeys(mergeRuns(pack(small), pack(large)))).toEqual(hex);
    }
  });

  it('mergeRuns accepts runs at any byte offset, as database drivers return them', () => {
    const hex = hexKeys(sortDistinct(randomBytes(400 * K)));
    const unaligned = (keys: Uint8Array) => {
      const holder = Buffer.alloc(keys.length + 3);
      holder.set(keys, 3);
      return holder.subarray(3);
    };
    const even = hex.filter((_, i) => i % 2 === 0);
    const odd = hex.filter((_, i) => i % 2 === 1);
    expect(hexKeys(mergeRuns(unaligned(pack(even)), unaligned(pack(odd))))).toEqual(hex);
  });

  it('markFound flags exactly the batch keys present in a run', () => {
    const run = sortDistinct(clustered(2000));
    const batch = sortDistinct(Buffer.concat([run.subarray(0, 50 * K), clustered(50), run.subarray(1000 * K, 1010 * K)]));
    const flags = new Uint8Array(batch.length / K);
    markFound(run, batch, flags);
    const inRun = new Set(hexKeys(run));
    expect(Array.from(flags)).toEqual(hexKeys(batch).map((h) => (inRun.has(h) ? 1 : 0)));
  });

  it('SubjectRuns answers membership like a set while runs merge', () => {
    const runs = new SubjectRuns();
    const reference = new Set<string>();
    for (let round = 0; round < 40; round++) {
      const batch = sortDistinct(Buffer.concat([randomBytes((round % 7) * 30 * K + K), ...[...reference].slice(0, 20).map((h) => Buffer.from(h, 'hex'))]));
      const flags = runs.found(batch);
      const hex = hexKeys(batch);
      expect(Array.from(flags)).toEqual(hex.map((h) => (reference.has(h) ? 1 : 0)));
      const fresh = hex.filter((h) => !reference.has(h));
      runs.add(pack(fresh));
      for (const h of fresh) reference.add(h);
      expect(runs.size).toBe(reference.size);
    }
  });
});
