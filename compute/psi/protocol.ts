import { randomBytes } from 'node:crypto';
import { SluiceError } from '../../common/index.ts';
import { pack, unpack } from '../he/wire.ts';
import { shuffle } from './shuffle.ts';
import { TagSet } from './tags.ts';
import type { Batch, TaskInput, X25519Pool } from './x25519-pool.ts';

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

/** A task's share of items: ~50 ms of X25519 on one thread, so the last task of a batch ends soon after the others. */
const TASK_ITEMS = 1024;

/** u32 count, then each element as u32 length + UTF-8 bytes: what a hash task reads. */
function encodeElements(elements: readonly string[], start: number, end: number): ArrayBuffer {
  let length = 4;
  for (let i = start; i < end; i++) length += 4 + Buffer.byteLength(elements[i]!, 'utf8');
  const out = Buffer.from(new ArrayBuffer(length));
  out.writeUInt32BE(end - start, 0);
  let offset = 4;
  for (let i = start; i < end; i++) {
    const written = out.write(elements[i]!, offset + 4, 'utf8');
    out.writeUInt32BE(written, offset);
    offset += 4 + written;
  }
  return out.buffer as ArrayBuffer;
}

function* elementTasks(elements: readonly string[]): Generator<TaskInput> {
  for (let start = 0; start < elements.length; start += TASK_ITEMS) {
    const end = Math.min(elements.length, start + TASK_ITEMS);
    yield { input: encodeElements(elements, start, end), items: end - start };
  }
}

function* pointTasks(points: Uint8Array): Generator<TaskInput> {
  const count = points.length / POINT_BYTES;
  for (let start = 0; start < count; start += TASK_ITEMS) {
    const end = Math.min(count, start + TASK_ITEMS);
    // A copy of exactly this range: the task transfers (detaches) its input buffer.
    yield { input: new Uint8Array(points.subarray(start * POINT_BYTES, end * POINT_BYTES)).buffer, items: end - start };
  }
}

/** What a caller may add to a batch: where results go and what to do as they land, a way to drop it. */
type BatchOptions = Partial<Pick<Batch, 'output' | 'landed' | 'signal'>>;

async function hashAndBlind(pool: X25519Pool, scalar: Uint8Array, session: PsiSession, elements: readonly string[], options: BatchOptions = {}): Promise<Uint8Array> {
  const output = options.output ?? new Uint8Array(elements.length * POINT_BYTES);
  await pool.run({ ...options, op: 'hash', scalar, domain: domain(session), outBytes: POINT_BYTES, output, inputs: elementTasks(elements) });
  return output;
}

async function blind(pool: X25519Pool, scalar: Uint8Array, points: Uint8Array, outBytes: number, options: BatchOptions = {}): Promise<Uint8Array> {
  const output = options.output ?? new Uint8Array((points.length / POINT_BYTES) * outBytes);
  await pool.run({ ...options, op: 'mult', scalar, domain: new Uint8Array(0), outBytes, output, inputs: pointTasks(points) });
  return output;
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
  if (!distinctAtLeast(points, session.minSetSize)) throw new SluiceError('GROUP_TOO_SMALL', 'the partner set is smaller than this job allows');
  const scalar = secretScalar();
  try {
    // Queued together, so the threads go from the partner's values to the server's without a
    // pause and the server's set is de-duplicated while they start; an invalid partner point
    // drops the server's batch too.
    const abandon = new AbortController();
    const doubling = blind(pool, scalar, points, TAG_BYTES, { signal: abandon.signal });
    const [doubled, own] = await Promise.all([doubling, hashAndBlind(pool, scalar, session, dedupe(serverElements), { signal: abandon.signal })]).catch((error: unknown) => {
      abandon.abort();
      throw error;
    });
    const header = { type: 'psi-response', protocol: PSI_PROTOCOL, sessionId: session.sessionId, mode: session.mode };
    return pack(header, [session.mode === 'cardinality' ? shuffle(doubled, TAG_BYTES) : doubled, shuffle(own, POINT_BYTES)]);
  } finally {
    scalar.fill(0);
  }
}

/** Whether `points` holds at least `needed` different points: one element sent ten times is a set of one. */
function distinctAtLeast(points: Uint8Array, needed: number): boolean {
  const seen = new Set<string>();
  for (let o = 0; o < points.length && seen.size < needed; o += POINT_BYTES) seen.add(Buffer.from(points.buffer, points.byteOffset + o, POINT_BYTES).toString('hex'));
  return seen.size >= needed;
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
    // The server's values, blinded again, go into a set as each task lands, while the threads
    // work on; the partner's own doubly-blinded tags are then looked up as packed words.
    const theirs = new TagSet(serverPoints.length / POINT_BYTES);
    await blind(pool, state.scalar, serverPoints, TAG_BYTES, { output: theirs.bytes, landed: (start, end) => theirs.addRange(start, end) });
    const mine = new Uint32Array(new Uint8Array(doubled).buffer);
    const matches: number[] = [];
    for (let i = 0; i < state.elements.length; i++) {
      if (theirs.has(mine, i)) matches.push(i);
    }
    const outcome: PsiOutcome = { cardinality: matches.length };
    if (header.mode === 'intersection' && state.session.mode === 'intersection') outcome.intersection = matches.map((i) => state.elements[i]!);
    return outcome;
  } finally {
    state.scalar.fill(0);
  }
}
