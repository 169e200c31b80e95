import { randomBytes, randomInt } from 'node:crypto';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { canonicalBytes, canonicalize } from './jcs.ts';

// The reference package is CommonJS whose typings claim an ES default export; load it as CommonJS.
const reference = createRequire(import.meta.url)('canonicalize') as (value: unknown) => string | undefined;

const double = (bits: string): number => Buffer.from(bits, 'hex').readDoubleBE(0);

describe('canonicalize (RFC 8785)', () => {
  it('serializes numbers as RFC 8785 Appendix B', () => {
    const table: [string, string][] = [
      ['0000000000000000', '0'],
      ['8000000000000000', '0'],
      ['0000000000000001', '5e-324'],
      ['8000000000000001', '-5e-324'],
      ['7fefffffffffffff', '1.7976931348623157e+308'],
      ['ffefffffffffffff', '-1.7976931348623157e+308'],
      ['4340000000000000', '9007199254740992'],
      ['c340000000000000', '-9007199254740992'],
      ['4430000000000000', '295147905179352830000'],
      ['44b52d02c7e14af5', '9.999999999999997e+22'],
      ['44b52d02c7e14af6', '1e+23'],
      ['44b52d02c7e14af7', '1.0000000000000001e+23'],
      ['444b1ae4d6e2ef4e', '999999999999999700000'],
      ['444b1ae4d6e2ef4f', '999999999999999900000'],
      ['444b1ae4d6e2ef50', '1e+21'],
      ['3eb0c6f7a0b5ed8c', '9.999999999999997e-7'],
      ['3eb0c6f7a0b5ed8d', '0.000001'],
      ['41b3de4355555553', '333333333.3333332'],
      ['41b3de4355555554', '333333333.33333325'],
      ['41b3de4355555555', '333333333.3333333'],
      ['41b3de4355555556', '333333333.3333334'],
      ['41b3de4355555557', '333333333.33333343'],
      ['becbf647612f3696', '-0.0000033333333333333333'],
      ['43143ff3c1cb0959', '1424953923781206.2'],
    ];
    for (const [bits, expected] of table) expect(canonicalize(double(bits))).toBe(expected);
    for (const bits of ['7fffffffffffffff', '7ff0000000000000', 'fff0000000000000']) {
      expect(() => canonicalize(double(bits))).toThrow(/finite/);
    }
  });

  it('reproduces the RFC 8785 section 3.2.2 example', () => {
    const input = {
      numbers: [333333333.33333329, 1e30, 4.5, 2e-3, 0.000000000000000000000000001],
      string: '\u20ac$\u000F\u000aA\'\u0042\u0022\u005c\\"/',
      literals: [null, true, false],
    };
    expect(canonicalize(input)).toBe(
      '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}',
    );
  });

  it('sorts keys by UTF-16 code units as the RFC 8785 section 3.2.3 example', () => {
    const input = {
      '\u20ac': 'Euro Sign',
      '\r': 'Carriage Return',
      '\ufb33': 'Hebrew Letter Dalet With Dagesh',
      '1': 'One',
      '\ud83d\ude00': 'Emoji: Grinning Face',
      '\u0080': 'Control',
      '\u00f6': 'Latin Small Letter O With Diaeresis',
    };
    const keys = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    const expected = `{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(input[k as keyof typeof input])}`).join(',')}}`;
    expect(canonicalize(input)).toBe(expected);
    expect(canonicalize(input).startsWith('{"\\r":"Carriage Return","1":"One","\u0080":"Control"')).toBe(true);
  });

  it('returns the UTF-8 bytes of the canonical text', () => {
    expect(Buffer.from(canonicalBytes({ b: '中', a: 1 })).toString('utf8')).toBe('{"a":1,"b":"中"}');
  });

  it('refuses what JSON cannot carry faithfully', () => {
    for (const bad of [undefined, [1, undefined], 1n, Symbol('x'), () => 1, new Map(), '\ud800', { '\udc00': 1 }, 'a\ud83d']) {
      expect(() => canonicalize(bad)).toThrow();
    }
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => canonicalize(cyclic)).toThrow(/cyclic/);
  });

  it('omits undefined members, honours toJSON and accepts repeated (non-cyclic) references', () => {
    const shared = { x: 1 };
    expect(canonicalize({ a: undefined, d: new Date(0), s: [shared, shared] })).toBe(
      '{"d":"1970-01-01T00:00:00.000Z","s":[{"x":1},{"x":1}]}',
    );
    expect(canonicalize(Object.assign(Object.create(null), { b: 1, a: 2 }))).toBe('{"a":2,"b":1}');
  });

  it('agrees with the canonicalize reference package on random JSON', () => {
    const randomString = (): string => {
      const pool = ['a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\u0001', '\u001f', '\u007f', 'é', '中', '\u2028', '😀', '\ufb33'];
      let s = '';
      for (let i = randomInt(8); i > 0; i--) s += pool[randomInt(pool.length)];
      return s;
    };
    const randomNumber = (): number => {
      switch (randomInt(4)) {
        case 0:
          return randomInt(-1e9, 1e9);
        case 1:
          return Buffer.from(randomBytes(8)).readDoubleBE(0);
        case 2:
          return Math.random() * 10 ** randomInt(-30, 30);
        default:
          return -0;
      }
    };
    const randomValue = (depth: number): unknown => {
      const kind = randomInt(depth > 3 ? 4 : 6);
      if (kind === 0) return null;
      if (kind === 1) return randomInt(2) === 1;
      if (kind === 2) return randomNumber();
      if (kind === 3) return randomString();
      if (kind === 4) return Array.from({ length: randomInt(5) }, () => randomValue(depth + 1));
      return Object.fromEntries(Array.from({ length: randomInt(6) }, () => [randomString(), randomValue(depth + 1)]));
    };
    for (let i = 0; i < 2000; i++) {
      let value = randomValue(0);
      // Random doubles can be NaN/Infinity; both implementations reject those, checked above.
      value = JSON.parse(JSON.stringify(value));
      expect(canonicalize(value)).toBe(reference(value));
    }
  });
});
