import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';

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
