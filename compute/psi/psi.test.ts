import { createHash } from 'node:crypto';
import { x25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pack, unpack } from '../he/wire.ts';
import { PSI_PROTOCOL, psiFinish, psiRequest, psiRespond, X25519Pool, type PsiMode, type PsiSession } from './index.ts';

const session = (mode: PsiMode, minSetSize = 1, sessionId = 'job-psi'): PsiSession => ({ protocol: PSI_PROTOCOL, sessionId, mode, minSetSize });

describe('ECDH-PSI over X25519', () => {
  let pool: X25519Pool;
  beforeAll(() => {
    pool = new X25519Pool(2);
  });
  afterAll(() => pool?.close());

  async function run(s: PsiSession, partner: string[], server: string[]) {
    const { request, state } = await psiRequest(s, partner, pool);
    const response = await psiRespond(s, server, request, pool);
    return psiFinish(state, response, pool);
  }

  const ids = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => `${prefix}${i}`);

  it('finds the intersection exactly, with duplicates and non-ASCII elements', async () => {
    const partner = [...ids(3000, 'id-'), 'id-5', 'id-5', '张三-110101', ''];
    const server = [...ids(2000, 'id-').slice(1000), ...ids(2000, 'other-'), '张三-110101', '张三-110101', ''];
    const expected = [...new Set(partner)].filter((e) => new Set(server).has(e));
    const out = await run(session('intersection'), partner, server);
    expect(out.cardinality).toBe(expected.length);
    expect(out.intersection).toEqual(expected);
  });

  it('cardinality mode reveals the count only', async () => {
    const out = await run(session('cardinality'), ids(500, 'a'), [...ids(300, 'a'), ...ids(300, 'b')]);
    expect(out).toEqual({ cardinality: 300 });
  });

  it('handles empty sets on either side', async () => {
    expect(await run(session('intersection', 0), [], ids(10, 'x'))).toEqual({ cardinality: 0, intersection: [] });
    expect(await run(session('cardinality'), ids(10, 'x'), [])).toEqual({ cardinality: 0 });
  });

  it('refuses partner sets below the minimum and messages of another session', async () => {
    const { request } = await psiRequest(session('cardinality', 5), ids(4, 'q'), pool);
    await expect(psiRespond(session('cardinality', 5), ids(10, 'q'), request, pool)).rejects.toMatchObject({ code: 'GROUP_TOO_SMALL' });
    await expect(psiRespond(session('cardinality', 1, 'other-job'), ids(10, 'q'), request, pool)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // One element sent five times is a set of one.
    const single = await psiRequest(session('cardinality', 5), ['target'], pool);
    const { header, blobs } = unpack(single.request);
    const repeated = Buffer.concat(Array.from({ length: 5 }, () => Buffer.from(blobs[0]!)));
    await expect(psiRespond(session('cardinality', 5), ids(10, 'q'), pack({ ...header, count: 5 }, [repeated]), pool)).rejects.toMatchObject({ code: 'GROUP_TOO_SMALL' });
  });

  it('refuses a request carrying a low-order point', async () => {
    const { request } = await psiRequest(session('cardinality'), ids(3, 'z'), pool);
    const { header, blobs } = unpack(request);
    const tampered = Buffer.from(blobs[0]!);
    tampered.fill(0, 32, 64);
    await expect(psiRespond(session('cardinality'), ids(3, 'z'), pack(header, [tampered]), pool)).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('matches an independent X25519 (noble) on the hash-to-u and both blinding rounds', async () => {
    const s = session('intersection');
    const { request, state } = await psiRequest(s, ['alice'], pool);
    const sent = unpack(request).blobs[0]!;
    const u = createHash('sha256').update(`${PSI_PROTOCOL}\u0000${s.sessionId}\u0000`).update(Buffer.from([0, 0, 0, 5])).update('alice').digest();
    u[31]! &= 0x7f;
    expect(Buffer.from(sent).equals(Buffer.from(x25519.scalarMult(state.scalar, u)))).toBe(true);
  });
});
