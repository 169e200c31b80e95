import { randomBytes } from 'node:crypto';
import { SluiceError } from '../../common/index.ts';
import { pack, unpack } from '../he/wire.ts';
import type { X25519Pool } from './x25519-pool.ts';

export const PSI_PROTOCOL = 'sluice-psi-x25519-sha256-v1';

export type PsiMode = 'cardinality' | 'intersection';

/** Fixed by the server (the gateway) per job, fetched by the partner before it starts. */
export interface PsiSession {
  protocol: typeof PSI_PROTOCOL;
  sessionId: string;
  /** `cardinality`: the partner learns |X ∩ Y| only; `intersection`: also which of its elements. */
  mode: PsiMode;
  /** The server refuses smaller partner sets: one-element sets would test membership. */
  minSetSize: number;
}

export interface PsiOutcome {
  cardinality: number;
  /** Present in `intersection` mode: the partner's elements that the server also holds. */
  intersection?: string[];
}

/** Doubly-blinded values are compared, never re-multiplied: 128 bits keep false matches < 2^-88 at 2^20 × 2^20. */
const TAG_BYTES = 16;
const POINT_BYTES = 32;

/** PSI works on sets: duplicates are dropped, first occurrence kept. */
export function dedupe(elements: Iterable<string>): string[] {
  return [...new Set(elements)];
}

function domain(session: PsiSession): Uint8Array {
  return Buffer.from(`${PSI_PROTOCOL}\u0000${session.sessionId}\u0000`, 'utf8');
}

/** u32 count, then each element as u32 length + UTF-8 bytes: what a hash task reads. */
function encodeElements(elements: readonly string[]): ArrayBuffer {
  const encoded = elements.map((e) => Buffer.from(e, 'utf8'));
  const out = Buffer.from(new ArrayBuffer(4 + encoded.reduce((sum, b) => sum + 4 + b.length, 0)));
  out.writeUInt32BE(encoded.length, 0);
  let offset = 4;
  for (const b of encoded) {
    out.writeUInt32BE(b.length, offset);
    b.copy(out, offset + 4);
    offset += 4 + b.length;
  }
  return out.buffer as ArrayBuffer;
}

/** Splits the work into a few chunks per thread so both cores stay busy to the end. */
function chunks(count: number, threads: number): [number, number][] {
  const size = Math.max(1024, Math.ceil(count / (threads * 4)));
  const out: [number, number][] = [];
  for (let start = 0; start < count; start += size) out.push([start, Math.min(count, start + size)]);
  return out;
}

async function hashAndBlind(pool: X25519Pool, scalar: Uint8Array, session: PsiSession, elements: readonly string[]): Promise<Uint8Array> {
  const out = new Uint8Array(elements.length * POINT_BYTES);
  const d = domain(session);
  await Promise.all(
    chunks(elements.length, pool.size).map(async ([start, end]) => {
      const part = await pool.run({ op: 'hash', scalar, domain: d, input: encodeElements(elements.slice(start, end)), outBytes: POINT_BYTES });
      out.set(part, start * POINT_BYTES);
    }),
  );
  return out;
}

async function blind(pool: X25519Pool, scalar: Uint8Array, points: Uint8Array, outBytes: number): Promise<Uint8Array> {
  const count = points.length / POINT_BYTES;
  const out = new Uint8Array(count * outBytes);
  await Promise.all(
    chunks(count, pool.size).map(async ([start, end]) => {
      // A copy of exactly this range: the task transfers (detaches) its input buffer.
      const input = new Uint8Array(points.subarray(start * POINT_BYTES, end * POINT_BYTES)).buffer;
      const part = await pool.run({ op: 'mult', scalar, domain: new Uint8Array(0), input, outBytes });
      out.set(part, start * outBytes);
    }),
  );
  return out;
}

/** Fisher–Yates over fixed-size records with CSPRNG indices (rejection sampling, no modulo bias). */
function shuffle(records: Uint8Array, size: number): Uint8Array {
  const count = records.length / size;
  const out = Buffer.from(records);
  const tmp = Buffer.allocUnsafe(size);
  let pool = randomBytes(4 * 4096);
  let p = 0;
  const random32 = () => {
    if (p === pool.length) (pool = randomBytes(pool.length)), (p = 0);
    const v = pool.readUInt32BE(p);
    p += 4;
    return v;
  };
  for (let i = count - 1; i > 0; i--) {
    const bound = i + 1;
    const limit = 2 ** 32 - (2 ** 32 % bound);
    let r: number;
    do r = random32();
    while (r >= limit);
    const j = r % bound;
    out.copy(tmp, 0, i * size, (i + 1) * size);
    out.copy(out, i * size, j * size, (j + 1) * size);
    tmp.copy(out, j * size);
  }
  return out;
}

function secretScalar(): Uint8Array {
  return new Uint8Array(randomBytes(32));
}

function checkSession(header: Record<string, unknown>, session: PsiSession, type: string): void {
  if (header.type !== type || header.protocol !== PSI_PROTOCOL || header.sessionId !== session.sessionId) {
    throw new SluiceError('VALIDATION_FAILED', 'PSI message is not for this session');
  }
}

/** Partner side, step 1: the blinded set to send. Keep `state` for step 2; it holds the secret scalar. */
export async function psiRequest(session: PsiSession, elements: Iterable<string>, pool: X25519Pool) {
  const set = dedupe(elements);
  const scalar = secretScalar();
  const blinded = await hashAndBlind(pool, scalar, session, set);
  const request = pack({ type: 'psi-request', protocol: PSI_PROTOCOL, sessionId: session.sessionId, count: set.length }, [blinded]);
  return { request, state: { session, scalar, elements: set } };
}

/**
 * Server side (the gateway, for the data owner): blinds the partner's values a second time and
 * its own once, under a scalar used for this exchange only. In `cardinality` mode the partner's
 * doubly-blinded values go back shuffled, so it can count matches but not tell which they are.
 */
export async function psiRespond(session: PsiSession, serverElements: Iterable<string>, request: Uint8Array, pool: X25519Pool): Promise<Uint8Array> {
  const { header, blobs } = unpack(request);
  checkSession(header, session, 'psi-request');
  const points = blobs[0];
  if (blobs.length !== 1 || !points || points.length % POINT_BYTES !== 0 || header.count !== points.length / POINT_BYTES) {
    throw new SluiceError('VALIDATION_FAILED', 'malformed PSI request');
  }
  if (points.length / POINT_BYTES < session.minSetSize) throw new SluiceError('GROUP_TOO_SMALL', 'the partner set is smaller than this job allows');
  const scalar = secretScalar();
  try {
    const doubled = await blind(pool, scalar, points, TAG_BYTES);
    const own = await hashAndBlind(pool, scalar, session, dedupe(serverElements));
    const header = { type: 'psi-response', protocol: PSI_PROTOCOL, sessionId: session.sessionId, mode: session.mode };
    return pack(header, [session.mode === 'cardinality' ? shuffle(doubled, TAG_BYTES) : doubled, shuffle(own, POINT_BYTES)]);
  } finally {
    scalar.fill(0);
  }
}

/** Partner side, step 2: blinds the server's values with its own scalar and compares. */
export async function psiFinish(state: Awaited<ReturnType<typeof psiRequest>>['state'], response: Uint8Array, pool: X25519Pool): Promise<PsiOutcome> {
  const { header, blobs } = unpack(response);
  checkSession(header, state.session, 'psi-response');
  const [doubled, serverPoints] = blobs;
  if (blobs.length !== 2 || !doubled || !serverPoints || doubled.length !== state.elements.length * TAG_BYTES || serverPoints.length % POINT_BYTES !== 0) {
    throw new SluiceError('VALIDATION_FAILED', 'malformed PSI response');
  }
  try {
    const theirs = await blind(pool, state.scalar, serverPoints, TAG_BYTES);
    const tags = new Set<string>();
    const view = Buffer.from(theirs.buffer, theirs.byteOffset, theirs.length);
    for (let i = 0; i < theirs.length; i += TAG_BYTES) tags.add(view.toString('latin1', i, i + TAG_BYTES));
    const mine = Buffer.from(doubled.buffer, doubled.byteOffset, doubled.length);
    const matches: number[] = [];
    for (let i = 0; i < state.elements.length; i++) {
      if (tags.has(mine.toString('latin1', i * TAG_BYTES, (i + 1) * TAG_BYTES))) matches.push(i);
    }
    const outcome: PsiOutcome = { cardinality: matches.length };
    if (header.mode === 'intersection' && state.session.mode === 'intersection') outcome.intersection = matches.map((i) => state.elements[i]!);
    return outcome;
  } finally {
    state.scalar.fill(0);
  }
}
