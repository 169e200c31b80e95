import { createKeyedHash, type KeyedHash } from '../../../crypto/index.ts';
import {
  CARD_BINS,
  cardDigits,
  COMPOUND_SURNAMES,
  COUNTY_CODES,
  GIVEN_NAME_CHARS,
  luhnCheckDigit,
  MOBILE_SEGMENTS,
  mobileDigits,
  residentIdCheckChar,
  SURNAMES,
} from '../../discovery/index.ts';
import type { SimulateType } from '../types.ts';
import { onText, type ValueTransform } from './values.ts';

/** Draws bounded integers from one HMAC output, extending it with a counter when used up. */
class Draw {
  private words: Uint32Array;
  private next = 0;
  private round = 0;

  constructor(
    private readonly keyed: KeyedHash,
    private readonly seed: string,
  ) {
    this.words = this.block();
  }

  /** Uniform enough for synthetic data: 32 random bits reduced mod n (n ≤ 10^8). */
  below(n: number): number {
    if (this.next === this.words.length) {
      this.round++;
      this.words = this.block();
      this.next = 0;
    }
    return this.words[this.next++]! % n;
  }

  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }

  digits(n: number): string {
    let out = '';
    while (out.length < n) out += String(this.below(1e8)).padStart(8, '0');
    return out.slice(0, n);
  }

  /** Big-endian words, so fakes are the same on every platform. */
  private block(): Uint32Array {
    const bytes = this.keyed.digest(`${this.seed}\u0000${this.round}`);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return Uint32Array.from({ length: 8 }, (_, i) => view.getUint32(i * 4));
  }
}

// Birth dates of synthetic residents: 1950-01-01 .. 2005-12-31.
const FIRST_BIRTH = Date.UTC(1950, 0, 1);
const BIRTH_DAYS = Math.floor((Date.UTC(2005, 11, 31) - FIRST_BIRTH) / 86_400_000) + 1;
const SYLLABLES = ['wei', 'fang', 'li', 'na', 'min', 'jing', 'qiang', 'lei', 'jun', 'yang', 'yong', 'jie', 'tao', 'ming', 'chao', 'xia', 'ping', 'hua', 'hui', 'lin'];
// Reserved for documentation (RFC 2606): realistic, and mail to them reaches nobody.
const EMAIL_DOMAINS = ['example.com', 'example.net', 'example.org'];

const GENERATORS: Record<SimulateType, (draw: Draw, input: string) => string> = {
  cn_resident_id(draw) {
    const birth = new Date(FIRST_BIRTH + draw.below(BIRTH_DAYS) * 86_400_000).toISOString();
    const first17 = draw.pick(COUNTY_CODES) + birth.slice(0, 4) + birth.slice(5, 7) + birth.slice(8, 10) + draw.digits(3);
    return first17 + residentIdCheckChar(first17);
  },
  cn_mobile(draw) {
    return draw.pick(MOBILE_SEGMENTS) + draw.digits(8);
  },
  bank_card(draw, input) {
    const wanted = cardDigits(input)?.length ?? 0;
    const length = wanted >= 16 ? wanted : 19;
    const body = draw.pick(CARD_BINS) + draw.digits(length - 7);
    return body + luhnCheckDigit(body);
  },
  email(draw) {
    return `${draw.pick(SYLLABLES)}.${draw.pick(SYLLABLES)}${draw.digits(1 + draw.below(3))}@${draw.pick(EMAIL_DOMAINS)}`;
  },
  name(draw) {
    const surname = draw.below(20) === 0 ? draw.pick(COMPOUND_SURNAMES) : draw.pick(SURNAMES);
    const given = draw.pick(GIVEN_NAME_CHARS) + (draw.below(3) === 0 ? '' : draw.pick(GIVEN_NAME_CHARS));
    return surname + given;
  },
};

/** Inputs compare in their canonical form, so "+86 138…" and "138…" are the same person. */
function canonical(type: SimulateType, text: string): string {
  if (type === 'cn_mobile') return mobileDigits(text) ?? text;
  if (type === 'bank_card') return cardDigits(text) ?? text;
  return type === 'cn_resident_id' ? text.toUpperCase() : text.trim();
}

/**
 * A realistic fake of the given type that passes the format's own validation (region code,
 * birth date and check digit; mobile segment; BIN and Luhn; mailbox syntax; surname and given
 * name), derived from HMAC(simulate key, type ‖ input): the same input gives the same fake under
 * one key, different keys give unlinkable fakes, and the fake is never the input itself.
 * Inputs need not be valid: any text gets a fake, and the email domains are reserved ones.
 */
export function createSimulate(type: SimulateType, key: Uint8Array): ValueTransform {
  const keyed = createKeyedHash('hmac-sm3', key);
  const generate = GENERATORS[type];
  return onText((text) => {
    const input = canonical(type, text);
    for (let attempt = 0; ; attempt++) {
      const fake = generate(new Draw(keyed, `${type}\u0000${attempt}\u0000${input}`), text);
      if (fake !== input && canonical(type, fake) !== input) return fake;
    }
  });
}
