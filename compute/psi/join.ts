import { SluiceError } from '../../common/index.ts';
import { pack, unpack } from '../he/wire.ts';
import { blind, blindBoth, checkSession, POINT_BYTES, PSI_PROTOCOL, TAG_BYTES, type PsiRequestState, type PsiSession } from './protocol.ts';
import { shuffle } from './shuffle.ts';
import { TagSet } from './tags.ts';
import type { X25519Pool } from './x25519-pool.ts';

/**
 * Private join-and-compute: the sum (and count) of the partner's values over the persons the
 * partner and the data owners share, after the intersection-sum-with-cardinality protocol of
 * Google's Private Join and Compute (Ion et al., EuroS&P 2020), on the ECDH-PSI of
 * protocol.ts, with the values under the job's homomorphic key instead of Paillier:
 *
 * 1. Partner: its (id, value) rows as one value per id, in a random order; sends X25519(b, H(y))
 *    for each id (a psi-request) and, in the same order, its values encrypted under the job key.
 * 2. Server (gateway), scalar `a` for this exchange only: keeps D = X25519(a, ·) of the partner's
 *    points, truncated, in the partner's order; answers with its own set X25519(a, H(x)), shuffled.
 * 3. Partner: X25519(b, ·) of the server's points, truncated, shuffled again (psi-tags).
 * 4. Server: position i of the partner's list is in the intersection iff D_i is among those tags
 *    — the mask. The worker multiplies the encrypted values by it and adds them up; the KMS
 *    releases the sum and the count (the mask's weight) only over the job's group-size floor.
 *
 * The partner learns the server's set size and, once released, the count and the sum; the
 * server learns which anonymous, randomly ordered positions match — the count — never an
 * identifier or a value. The partner can only drop matches (a tag not derived from a server
 * point matches nothing, and it cannot compute D without `a`); repeated points or tags count once.
 * D is kept by the server, so the partner never sees which of its own elements matched.
 */

export interface JoinInput {
  ids: string[];
  values: number[];
}

/**
 * The partner's rows as the join takes them: one value per distinct id (values of a repeated id
 * add up, so a person counts once), in a random order — the server sees positions, and an order
 * such as sorted ids would tell it something about which matched.
 */
export function joinInput(rows: Iterable<readonly [string, number]>): JoinInput {
  const byId = new Map<string, number>();
  for (const [id, value] of rows) byId.set(id, (byId.get(id) ?? 0) + value);
  const ids = [...byId.keys()];
  const order = new Uint32Array(shuffle(new Uint8Array(Uint32Array.from(ids, (_, i) => i).buffer), 4).buffer);
  return { ids: Array.from(order, (i) => ids[i]!), values: Array.from(order, (i) => byId.get(ids[i]!)!) };
}

/**
 * Server side, step 2: the response to send (its own set, blinded once and shuffled) and the
 * state to keep until the partner's tags arrive (the partner's points blinded twice, in order).
 */
export async function joinRespond(session: PsiSession, serverElements: Iterable<string>, request: Uint8Array, pool: X25519Pool): Promise<{ response: Uint8Array; state: Uint8Array }> {
  if (session.mode !== 'sum') throw new SluiceError('VALIDATION_FAILED', 'not a private-join session');
  const { doubled, own } = await blindBoth(session, serverElements, request, pool);
  const serverCount = own.length / POINT_BYTES;
  return {
    response: pack({ type: 'psi-response', protocol: PSI_PROTOCOL, sessionId: session.sessionId, mode: 'sum' }, [shuffle(own, POINT_BYTES)]),
    state: pack({ type: 'psi-join-state', protocol: PSI_PROTOCOL, sessionId: session.sessionId, serverCount }, [doubled]),
  };
}

/** Partner side, step 3: the server's points under the partner's scalar, truncated and shuffled. */
export async function joinTags(state: PsiRequestState, response: Uint8Array, pool: X25519Pool): Promise<Uint8Array> {
  try {
    const { header, blobs } = unpack(response);
    checkSession(header, state.session, 'psi-response');
    const serverPoints = blobs[0];
    if (header.mode !== 'sum' || blobs.length !== 1 || !serverPoints || serverPoints.length % POINT_BYTES !== 0) {
      throw new SluiceError('VALIDATION_FAILED', 'malformed private-join response');
    }
    const tags = await blind(pool, state.scalar, serverPoints, TAG_BYTES);
    // The server shuffled its points itself: in that order it would know whose tag is whose.
    const count = tags.length / TAG_BYTES;
    return pack({ type: 'psi-tags', protocol: PSI_PROTOCOL, sessionId: state.session.sessionId, count }, [shuffle(tags, TAG_BYTES)]);
  } finally {
    state.scalar.fill(0);
  }
}

/**
 * Server side, step 4: per position of the partner's list, 1 if its person is in the
 * intersection. The set is built from the server's own doubly-blinded values, which the partner
 * cannot predict (so it cannot lengthen the probes); the partner's tags are only looked up.
 */
export function joinMask(session: PsiSession, state: Uint8Array, tagsMessage: Uint8Array): Uint8Array {
  const kept = unpack(state);
  checkSession(kept.header, session, 'psi-join-state');
  const doubled = kept.blobs[0]!;
  const serverCount = kept.header.serverCount as number;
  const { header, blobs } = unpack(tagsMessage);
  checkSession(header, session, 'psi-tags');
  const tags = blobs[0];
  if (blobs.length !== 1 || !tags || header.count !== serverCount || tags.length !== serverCount * TAG_BYTES) {
    throw new SluiceError('VALIDATION_FAILED', 'malformed private-join tags: one tag per server element is expected');
  }
  const partnerCount = doubled.length / TAG_BYTES;
  const set = new TagSet(partnerCount);
  set.bytes.set(doubled);
  set.addRange(0, partnerCount);
  const words = new Uint32Array(new Uint8Array(tags).buffer);
  const mask = new Uint8Array(partnerCount);
  for (let j = 0; j < serverCount; j++) {
    const position = set.find(words, j);
    if (position >= 0) mask[position] = 1;
  }
  return mask;
}
