import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, prettyLogLine } from './logger.ts';

function capture() {
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(chunk.toString());
      callback();
    },
  });
  return { lines, sink };
}

describe('createLogger', () => {
  it('redacts credentials and key material wherever the standard names appear', () => {
    const { lines, sink } = capture();
    const logger = createLogger('test', 'info', sink);
    logger.info(
      {
        req: { headers: { authorization: 'Bearer slc_TOPSECRET' } },
        token: 'slc_TOPSECRET2',
        party: { token: 'slc_TOPSECRET3' },
        privateKey: 'a'.repeat(64),
        dek: { plaintext: 'AAAAsecretAAAA', key: 'KEYSECRET' },
      },
      'something happened',
    );
    const out = lines.join('');
    for (const secret of ['slc_TOPSECRET', 'aaaaaaaaaaaaaaaa', 'AAAAsecretAAAA', 'KEYSECRET']) expect(out).not.toContain(secret);
    expect(out).toContain('[redacted]');
    expect(JSON.parse(out)).toMatchObject({ service: 'test', msg: 'something happened' });
  });
});

describe('prettyLogLine', () => {
  it('renders a log entry for people without undoing redaction, and leaves other lines alone', () => {
    const { lines, sink } = capture();
    createLogger('gateway', 'info', sink).info({ token: 'slc_TOPSECRET', transferId: 'trf_1' }, 'transfer completed');
    const pretty = prettyLogLine();
    const shown = pretty(lines.join('').trim());
    expect(shown).toMatch(/INFO.*\[gateway\] transfer completed/);
    expect(shown).toContain('trf_1');
    expect(shown).toContain('[redacted]');
    expect(shown).not.toContain('slc_TOPSECRET');
    expect(shown).not.toContain('{"level"');
    expect(pretty('sluice: ready')).toBe('sluice: ready\n');
    expect(pretty('{"not":"a log entry"}')).toBe('{"not":"a log entry"}\n');
  });
});
