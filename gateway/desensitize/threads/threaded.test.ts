import { describe, expect, it } from 'vitest';
import { keysA } from '../../../test/support/desensitize.ts';
import { batchTextFor, type DataRecord, type RecordFormat } from '../../formats/index.ts';
import { createDesensitizer } from '../desensitizer.ts';
import { decryptField } from '../transforms/field-encryption.ts';
import { createThreadedDesensitizer } from './threaded.ts';

/** Enough rows that most go through the threads (the first 4,096 stay on the calling thread). */
const ROWS = 12_000;
const input: DataRecord[] = Array.from({ length: ROWS }, (_, i) => ({
  phone: `139${String(i * 7919).padStart(8, '0')}`,
  id: `11010519${String(1950 + (i % 50))}0101${String(i % 1000).padStart(3, '0')}X`,
  age: i % 97 === 0 ? 'n/a' : i % 2 ? String(18 + (i % 70)) : 18 + (i % 70),
  name: ['张三丰', '李四', 'Ann "Q" Lee', '欧阳娜娜'][i % 4],
  city: i % 13 === 0 ? null : ['北京', 'Shanghai, CN', '深圳\n南山'][i % 3],
  note: { n: i },
}));
const batches = (): DataRecord[][] => Array.from({ length: ROWS / 1000 }, (_, b) => input.slice(b * 1000, (b + 1) * 1000));

const policy = {
  phone: { transform: 'mask' },
  id: { transform: 'hash' },
  age: { transform: 'generalize', step: 10 },
  name: { transform: 'truncate', length: 1 },
  city: { transform: 'keep' },
  note: { transform: 'keep' },
  tok: { transform: 'tokenize' },
  sim: { transform: 'simulate', type: 'cn_mobile' },
};

/** The batch texts one after the other (writeBatchTexts adds the format's frame; see writers.test.ts). */
async function joined(texts: AsyncIterable<string | Uint8Array>): Promise<string> {
  let out = '';
  for await (const text of texts) out += typeof text === 'string' ? text : new TextDecoder().decode(text);
  return out;
}

describe('createThreadedDesensitizer', () => {
  it.each(['csv', 'ndjson', 'json-array'] as RecordFormat[])('%s: threads give byte for byte what one thread gives, and the same totals', async (format) => {
    const rows = input.map((r, i) => ({ ...r, tok: r.phone, sim: i % 5 === 0 ? '' : r.phone }));
    const parts = Array.from({ length: ROWS / 1000 }, (_, b) => rows.slice(b * 1000, (b + 1) * 1000));
    const single = createDesensitizer(policy, keysA);
    const expected = parts.map((part) => batchTextFor(format, single.columns)(single.transformBatch(part))).join('');
    const threaded = createThreadedDesensitizer({ fields: policy, keys: keysA }, { threads: 2 });
    expect(await joined(threaded.serialize(parts, format))).toBe(expected);
    expect(threaded.stats()).toEqual(single.stats());
    expect(threaded.stats().nulled.age).toBeGreaterThan(0);
  });

  it('shuffles on the calling thread, within the same windows as desensitizeStream', async () => {
    const fields = { phone: { transform: 'keep' }, name: { transform: 'shuffle' } };
    const threaded = createThreadedDesensitizer({ fields, keys: keysA }, { threads: 2, shuffleWindow: 1500 });
    const lines = (await joined(threaded.serialize(batches(), 'ndjson'))).trim().split('\n');
    const out = lines.map((l) => JSON.parse(l) as DataRecord);
    expect(out.map((r) => r.phone)).toEqual(input.map((r) => r.phone));
    // Windows close at the first batch boundary at or past 1,500 rows: 2,000 rows each.
    for (let start = 0; start < ROWS; start += 2000) {
      const names = (rows: DataRecord[]) => rows.slice(start, start + 2000).map((r) => r.name).sort();
      expect(names(out)).toEqual(names(input));
    }
    expect(out.filter((r, i) => r.name === input[i]!.name).length).toBeLessThan(ROWS / 2);
  });

  it('encrypts with the data keys in every thread', async () => {
    const key = new Uint8Array(16).fill(9);
    const threaded = createThreadedDesensitizer(
      { fields: { phone: { transform: 'encrypt' } }, keys: keysA, dataKeys: [{ alg: 'SM4', key, keyRef: 'kms:test' }] },
      { threads: 2 },
    );
    const lines = (await joined(threaded.serialize(batches(), 'csv'))).trim().split('\r\n');
    expect(lines.map((c) => decryptField(c, 'phone', key))).toEqual(input.map((r) => r.phone));
  });

  it('plants canaries per batch in the threads too, counted in the totals', async () => {
    const threaded = createThreadedDesensitizer({ fields: { phone: { transform: 'mask' } }, keys: keysA, fingerprint: { key: new Uint8Array(32).fill(5) } }, { threads: 2 });
    const lines = (await joined(threaded.serialize(batches(), 'ndjson'))).trim().split('\n');
    expect(threaded.stats()).toMatchObject({ records: ROWS, canaries: 2 * (ROWS / 1000) });
    expect(lines).toHaveLength(ROWS + 2 * (ROWS / 1000));
  });

  it('leaves a small input on the calling thread', async () => {
    const threaded = createThreadedDesensitizer({ fields: { phone: { transform: 'mask' } }, keys: keysA }, { threads: 2 });
    expect((await joined(threaded.serialize([input.slice(0, 10)], 'csv'))).split('\r\n')).toHaveLength(11);
    expect(threaded.stats().records).toBe(10);
  });
});
