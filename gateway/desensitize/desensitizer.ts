import type { DataRecord } from '../formats/index.ts';
import { createCanaryPlanter, type CanaryPlanter } from './canaries.ts';
import { compileTransform } from './compile.ts';
import { parseFieldPolicies } from './policy.ts';
import { RandomPool, shuffleInPlace } from './random-pool.ts';
import { identity, UNUSABLE, type ValueTransform } from './transforms/values.ts';
import type { Desensitizer, DesensitizerOptions, KeyScope, TransformKeys } from './types.ts';

/**
 * The transform engine for one policy. Policies are checked and every transform (keyed-hash
 * states, FF1 key schedules, AEAD tables) is built once; `transformBatch` is then one tight
 * loop per record. Fields not in the policy are never read; `aggregate` fields are not
 * delivered. Null and undefined become null for every transform; values a transform cannot
 * interpret become null and are counted in `stats().nulled` — they are never passed through.
 * `keys` may be one set, or one per key scope (a field's `scope`: per contract or per owner).
 */
export function createDesensitizer(
  fields: Record<string, unknown>,
  keys: TransformKeys | ((scope: KeyScope) => TransformKeys),
  options: DesensitizerOptions = {},
): Desensitizer {
  const keysFor = typeof keys === 'function' ? keys : () => keys;
  const delivered = [...parseFieldPolicies(fields)].filter(([, p]) => p.transform !== 'aggregate');
  const names = delivered.map(([name]) => name);
  const transforms = delivered.map(([name, p]) => compileTransform(name, p, keysFor(p.scope), options.encryptor));
  // Column-wise fields pass through the row loop untouched (null-normalized) and are transformed after it.
  const applies: ValueTransform[] = transforms.map((t) => (t.applyMany ? identity : t.apply));
  const columnWise = transforms.flatMap((t, f) => (t.applyMany ? [{ f, applyMany: t.applyMany }] : []));
  const shuffled = delivered.flatMap(([name, p]) => (p.transform === 'shuffle' ? [name] : []));
  const nulled = new Array<number>(names.length).fill(0);
  const random = new RandomPool();
  const planter: CanaryPlanter | undefined = options.fingerprint
    ? createCanaryPlanter(
        delivered.map(([name, p], i) => ({ name, apply: transforms[i]!.apply, derivesFromInput: p.transform !== 'replace' && p.transform !== 'nullify' })),
        options.fingerprint,
      )
    : undefined;
  let records = 0;

  const transform = (input: readonly DataRecord[]): DataRecord[] => {
    const out = new Array<DataRecord>(input.length);
    const width = names.length;
    for (let r = 0; r < input.length; r++) {
      const source = input[r]!;
      const record: DataRecord = {};
      for (let f = 0; f < width; f++) {
        const value = source[names[f]!];
        // A missing field named like an Object.prototype member reads as a function.
        let result = value === null || value === undefined || typeof value === 'function' ? null : applies[f]!(value);
        if (result === UNUSABLE) {
          nulled[f]!++;
          result = null;
        }
        record[names[f]!] = result;
      }
      out[r] = record;
    }
    for (const { f, applyMany } of columnWise) {
      const name = names[f]!;
      applyMany(out.map((r) => r[name])).forEach((result, r) => {
        if (result === UNUSABLE) nulled[f]!++;
        out[r]![name] = result === UNUSABLE ? null : result;
      });
    }
    for (const name of shuffled) shuffleColumn(out, name, random);
    records += input.length;
    return planter ? planter.plant(input, out) : out;
  };

  return {
    columns: names,
    shuffles: shuffled.length > 0,
    transformBatch: transform,
    transformAll: transform,
    stats: () => ({
      records,
      nulled: Object.fromEntries(names.map((n, i) => [n, nulled[i]!])),
      canaries: planter?.planted() ?? 0,
    }),
  };
}

/** Permutes one column across the records, holding only that column's values. */
function shuffleColumn(records: DataRecord[], name: string, random: RandomPool): void {
  const column = records.map((r) => r[name]);
  shuffleInPlace(column, random);
  for (let i = 0; i < records.length; i++) records[i]![name] = column[i];
}
