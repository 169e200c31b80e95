import { describe, expect, it } from 'vitest';
import { createRedactionTokens, createRedactor, deriveTransformKeys } from '../desensitize/index.ts';
import { redactRequest, StreamRestorer } from './messages.ts';

const keys = deriveTransformKeys(new Uint8Array(32).fill(7));
const tokens = createRedactionTokens(keys.tokenize);
const redactor = createRedactor({ mode: 'token', tokenizeKey: keys.tokenize });
const TEXT = '请回复张伟（手机13812345678），地址浙江省杭州市西湖区文三路398号，[备注] 金额[100]元';

describe('egress messages', () => {
  it('redacts every message and stop sequence, and drops the purpose', () => {
    const { outgoing, findings } = redactRequest(
      { purpose: 'support', model: 'm', temperature: 0.2, stop: ['张伟'], messages: [{ role: 'user', content: TEXT }, { role: 'user', content: [{ type: 'text', text: '张伟' }] }] },
      redactor,
    );
    const sent = JSON.stringify(outgoing);
    for (const value of ['张伟', '13812345678', '文三路', 'support']) expect(sent).not.toContain(value);
    expect(outgoing).toMatchObject({ model: 'm', temperature: 0.2 });
    expect(findings.counts).toEqual({ name: 3, cn_mobile: 1, address: 1 });
  });

  it('restores a streamed answer whatever the chunk boundaries, holding back only what may be a token', () => {
    const answer = redactor.redact(TEXT);
    for (let size = 1; size <= 13; size++) {
      const restorer = new StreamRestorer(tokens);
      let out = '';
      for (let i = 0; i < answer.length; i += size) {
        const piece = restorer.push(0, answer.slice(i, i + size));
        // Nothing released is ever part of a token.
        expect(piece).not.toMatch(/\[[A-Z_]+:[a-z2-7]/);
        out += piece;
      }
      expect(out + restorer.flush(0)).toBe(TEXT);
    }
  });

  it('releases ordinary brackets once it is clear they open no token', () => {
    const restorer = new StreamRestorer(tokens);
    expect(restorer.push(0, '金额[')).toBe('金额');
    expect(restorer.push(0, '100]元')).toBe('[100]元');
    expect(restorer.held()).toEqual([]);
  });
});
