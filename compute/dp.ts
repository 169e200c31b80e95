import { randomBytes } from 'node:crypto';
import { SluiceError } from '../common/index.ts';

/** A uniform double in (0, 1) from the CSPRNG (53 random bits, never 0). */
function uniform(): number {
  const bytes = randomBytes(8);
  const high = bytes.readUInt32BE(0) >>> 11;
  const low = bytes.readUInt32BE(4);
  return (high * 2 ** 32 + low + 0.5) / 2 ** 53;
}

/**
 * ε-differentially private release of one figure whose L1 sensitivity (how much one person can
 * change it) is `sensitivity`. Integer figures with integer sensitivity (counts, histogram
 * bins, integer sums) get two-sided geometric noise, so the release stays an integer; other
 * figures get Laplace(sensitivity/ε) noise. Applied by the secret-key holder at release, after
 * decryption, so nobody ever sees the exact figure leave the KMS.
 */
export function addDpNoise(value: number, sensitivity: number, epsilon: number): number {
  if (!(Number.isFinite(epsilon) && epsilon > 0) || !(Number.isFinite(sensitivity) && sensitivity > 0)) {
    throw new SluiceError('VALIDATION_FAILED', 'differential privacy needs a positive epsilon and sensitivity');
  }
  const scale = sensitivity / epsilon;
  if (Number.isInteger(value) && Number.isInteger(sensitivity)) {
    // Difference of two geometric variables with p = 1 − e^(−ε/Δ): the discrete Laplace law.
    const q = Math.exp(-1 / scale);
    const geometric = () => Math.floor(Math.log(uniform()) / Math.log(q));
    return value + geometric() - geometric();
  }
  const u = uniform() - 0.5;
  return value - scale * Math.sign(u) * Math.log(1 - 2 * Math.abs(u));
}
