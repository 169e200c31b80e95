import { createDecipheriv, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { keysA, keysB } from '../../test/support/desensitize.ts';
import { thrown } from '../../test/support/errors.ts';
import { freeTextCorpus } from '../discovery/text/free-text-corpus.ts';
import { batchTextFor, type DataRecord } from '../formats/index.ts';
import { createDesensitizer } from './desensitizer.ts';
import { subKey } from './keys.ts';
import { validateFieldPolicies } from './policy.ts';
import { createThreadedDesensitizer } from './threads/threaded.ts';
import { createRedactor } from './transforms/redact.ts';
import { createRedactionTokens, TOKEN_PATTERN } from './transforms/redaction-tokens.ts';

const NOTE = '收件人：张伟，电话13812345678，地址：浙江省杭州市西湖区文三路398号，订单DD20240312000123，金额299.00元';

describe('redact transform', () => {
  it('tag mode: each span becomes [KIND], the rest of the text stays as it was', () => {
    const d = createDesensitizer({ note: { transform: 'redact' } }, keysA);
    expect(d.transformBatch([{ note: NOTE }])[0]!.note).toBe('收件人：[NAME]，电话[CN_MOBILE]，地址：[ADDRESS]，订单DD20240312000123，金额299.00元');
  });

  it('entities limits the kinds redacted', () => {
    const d = createDesensitizer({ note: { transform: 'redact', entities: ['cn_mobile'] } }, keysA);
    expect(d.transformBatch([{ note: NOTE }])[0]!.note).toBe(NOTE.replace('13812345678', '[CN_MOBILE]'));
  });

  it('token mode: deterministic per key, unlinkable across keys, restorable only with the key', () => {
    const run = (keys: typeof keysA) => createDesensitizer({ note: { transform: 'redact', mode: 'token' } }, keys).transformBatch([{ note: NOTE }, { note: NOTE }]);
    const [a1, a2] = run(keysA);
    const [b1] = run(keysB);
    expect(a1!.note).toBe(a2!.note);
    expect(a1!.note).not.toBe(b1!.note);
    const out = a1!.note as string;
    for (const secret of ['张伟', '13812345678', '文三路']) expect(out).not.toContain(secret);
    expect(out.match(TOKEN_PATTERN)).toHaveLength(3);
    expect(createRedactionTokens(keysA.tokenize).restore(out)).toBe(NOTE);
    // Another key restores nothing: the tokens stay as they are.
    expect(createRedactionTokens(keysB.tokenize).restore(out)).toBe(out);
  });

  it('a forged, altered or re-labelled token restores to nothing', () => {
    const tokens = createRedactionTokens(keysA.tokenize);
    const token = tokens.token('name', '张伟');
    const body = token.slice('[NAME:'.length, -1);
    const flipped = body.slice(0, -2) + (body.at(-2) === 'a' ? 'b' : 'a') + body.at(-1);
    expect(tokens.restore(`x${token}y`)).toBe('x张伟y');
    expect(tokens.restore(`[NAME:${flipped}]`)).toBe(`[NAME:${flipped}]`);
    expect(tokens.restore(`[EMAIL:${body}]`)).toBe(`[EMAIL:${body}]`);
    expect(tokens.open('name', 'aaaaaaaaaaaaaaaaaaaaaaa')).toBeUndefined();
  });

  it('tokens are SIV: HMAC-SM3 tag, SM4-CTR ciphertext, as node:crypto computes them', () => {
    const value = '浙江省杭州市西湖区文三路398号3栋2单元501室';
    const token = createRedactionTokens(keysA.tokenize).token('address', value);
    const body = token.slice('[ADDRESS:'.length, -1);
    const bits = [...body].map((c) => 'abcdefghijklmnopqrstuvwxyz234567'.indexOf(c).toString(2).padStart(5, '0')).join('');
    const bytes = Buffer.from(bits.match(/.{8}/g)!.map((b) => parseInt(b, 2)));
    const [siv, ciphertext] = [bytes.subarray(0, 8), bytes.subarray(8)];
    const iv = Buffer.concat([siv, Buffer.alloc(8)]);
    expect(createDecipheriv('sm4-ctr', subKey(keysA.tokenize, 'redact-ctr', 16), iv).update(ciphertext).toString('utf8')).toBe(value);
    const tag = createHmac('sm3', subKey(keysA.tokenize, 'redact-siv', 32)).update(Buffer.concat([Buffer.from('address'), Buffer.alloc(1), Buffer.from(value)])).digest();
    expect(tag.subarray(0, 8)).toEqual(siv);
  });

  it('reports what it replaced, per kind', () => {
    const r = createRedactor({ mode: 'tag' }).redactWithDetails(NOTE);
    expect(r.counts).toEqual({ name: 1, cn_mobile: 1, address: 1 });
    expect(r.values.map((v) => v.value)).toEqual(['张伟', '13812345678', '浙江省杭州市西湖区文三路398号']);
  });

  it('checks its params and fits string fields only', () => {
    expect(thrown(() => validateFieldPolicies({ note: { transform: 'redact', mode: 'hide' } })).details).toEqual({ field: 'note', param: 'mode' });
    for (const entities of [[], ['name', 'name'], ['ssn'], 'name']) {
      expect(thrown(() => validateFieldPolicies({ note: { transform: 'redact', entities } })).details).toEqual({ field: 'note', param: 'entities' });
    }
    expect(thrown(() => validateFieldPolicies({ n: { transform: 'redact' } }, [{ name: 'n', type: 'number' }])).details).toMatchObject({ field: 'n', param: 'transform' });
  });

  it('keeps null as null, empty as empty, and counts objects as unusable', () => {
    const d = createDesensitizer({ note: { transform: 'redact' } }, keysA);
    expect(d.transformBatch([{ note: null }, { note: '' }, { note: { x: 1 } }]).map((r) => r.note)).toEqual([null, '', null]);
    expect(d.stats().nulled.note).toBe(1);
  });

  it('worker threads give byte for byte what one thread gives', async () => {
    const rows: DataRecord[] = freeTextCorpus(5, 9000).map((c, i) => ({ id: i, note: c.text }));
    const parts = Array.from({ length: 9 }, (_, b) => rows.slice(b * 1000, (b + 1) * 1000));
    const fields = { id: { transform: 'keep' }, note: { transform: 'redact', mode: 'token' } };
    const single = createDesensitizer(fields, keysA);
    const expected = parts.map((part) => batchTextFor('ndjson', single.columns)(single.transformBatch(part))).join('');
    const threaded = createThreadedDesensitizer({ fields, keys: keysA }, { threads: 2 });
    let out = '';
    for await (const text of threaded.serialize(parts, 'ndjson')) out += typeof text === 'string' ? text : new TextDecoder().decode(text);
    expect(out).toBe(expected);
  });
});
