/**
 * SM4 (GB/T 32907-2016) in CTR and ECB mode in WebAssembly text, with 128-bit vectors
 * (crypto/sm4-vector.ts runs it; build.ts assembles it).
 *
 * Why: OpenSSL 3.0 has no accelerated SM4 (130 MB/s here, table lookups indexed by key and data
 * bytes), and SM4 was a transfer's largest cost. Blocks go through the rounds in groups of four,
 * one vector per word of the four, three groups side by side (a round is one long dependency
 * chain; a fourth group spills registers and halves the speed). The S-box has no table indexed
 * by data: SM4's S-box is S(x) = A·I(A·x + C) + C, I inversion in GF(2^8) (Liu et al.), and inversion in GF(2^8)
 * written as GF(16)[Y]/(Y^2 + Y + λ) needs only GF(16) arithmetic on the two nibbles of a byte,
 * done with 16-entry lookups by i8x16.swizzle, which selects within a register (as Hamburg's
 * vector-permute AES does): no address and no branch depends on a key or data byte.
 * For e = hY + l: e^-1 = (h/Δ)Y + (h + l)/Δ with Δ = λh^2 + l(h + l); products and quotients
 * through logarithms, a zero's logarithm a large value that i8x16.swizzle turns into zero.
 */
import { SM4_SBOX } from '../../crypto/sm4.ts';

/** Memory layout shared with crypto/sm4-vector.ts (written into crypto/sm4-module.ts). */
export const SM4_LAYOUT = {
  /** The 32 round keys, 4 bytes each, little-endian integers. */
  roundKeys: 0,
  /** The counter block, 16 bytes big-endian; its last word counts (GCM's inc32). */
  counter: 128,
  /** Data to XOR with the keystream, in place. */
  data: 65536,
  dataBytes: 65536,
  /** A page past the data, where the last group of blocks may run over. */
  pages: 3,
} as const;

// GF(16) = GF(2)[x]/(x^4 + x + 1).
const mul16 = (a: number, b: number): number => {
  let r = 0;
  for (let i = 0; i < 4; i++) if ((b >> i) & 1) r ^= a << i;
  for (let i = 7; i >= 4; i--) if ((r >> i) & 1) r ^= 0x13 << (i - 4);
  return r;
};

/** The smallest λ with Y^2 + Y + λ irreducible over GF(16). */
const LAMBDA = [...Array(16).keys()].find((c) => c > 0 && [...Array(16).keys()].every((y) => (mul16(y, y) ^ y) !== c))!;

/** Multiplication in GF(256) = GF(16)[Y]/(Y^2 + Y + λ), a byte being h‖l for hY + l. */
const mulTower = (a: number, b: number): number => {
  const h1 = a >> 4, l1 = a & 15, h2 = b >> 4, l2 = b & 15;
  const hh = mul16(h1, h2);
  return ((hh ^ mul16(h1, l2) ^ mul16(l1, h2)) << 4) | (mul16(hh, LAMBDA) ^ mul16(l1, l2));
};

const parity = (x: number): number => {
  x ^= x >> 4;
  x ^= x >> 2;
  x ^= x >> 1;
  return x & 1;
};

/** The tables of the S-box; checked against SM4's S-box before any text is written. */
function sboxTables() {
  // SM4's affine map: rows are 0xd3 rotated right, most significant output bit first; the
  // field of I is GF(2)[x]/(x^8 + x^7 + x^6 + x^5 + x^4 + x^2 + 1).
  const C = 0xd3;
  const affine = (x: number): number => {
    let out = 0;
    for (let r = 0; r < 8; r++) out = (out << 1) | parity((((C >> r) | (C << (8 - r))) & 0xff) & x);
    return out;
  };
  // The isomorphism into the tower field sends x to a root β of SM4's field polynomial.
  const power = (a: number, n: number): number => Array.from({ length: n }).reduce<number>((r) => mulTower(r, a), 1);
  const beta = [...Array(256).keys()].find((b) => b > 1 && [0, 2, 4, 5, 6, 7, 8].reduce((acc, k) => acc ^ power(b, k), 0) === 0)!;
  const columns = Array.from({ length: 8 }, (_, k) => power(beta, k));
  const into = (y: number): number => columns.reduce((acc, column, k) => ((y >> k) & 1 ? acc ^ column : acc), 0);
  const outOf = new Array<number>(256);
  for (let y = 0; y < 256; y++) outOf[into(y)] = y;
  const nibbles = (f: (n: number) => number) => Array.from({ length: 16 }, (_, n) => f(n));
  const log = new Array<number>(16).fill(ZERO_LOG), exp = new Array<number>(16).fill(0);
  for (let i = 0, v = 1; i < 15; i++, v = mul16(v, 2)) {
    log[v] = i;
    exp[i] = v;
  }
  return {
    // x → the tower field image of A·x + C, from its two nibbles.
    inLow: nibbles((n) => into(affine(n) ^ C)),
    inHigh: nibbles((n) => into(affine(n << 4))),
    log,
    exp,
    negLog: log.map((l, n) => (n === 0 ? ZERO_LOG : (15 - l) % 15)),
    lambdaSquare: nibbles((h) => mul16(LAMBDA, mul16(h, h))),
    // The inverse's nibbles → A·(its image back) + C.
    outHigh: nibbles((n) => affine(outOf[n << 4]!) ^ C),
    outLow: nibbles((n) => affine(outOf[n]!)),
  };
}

/** The logarithm of zero: sums with it stay at 0x31 or above, where i8x16.swizzle gives 0. */
const ZERO_LOG = 0x40;

type Tables = ReturnType<typeof sboxTables>;

/** The S-box as the vector code computes it, byte by byte, to check the tables. */
function sboxFrom(t: Tables, x: number): number {
  const pick = (table: number[], i: number): number => (i < 16 ? table[i]! : 0);
  const exp = (a: number, b: number): number => {
    const s = (a + b) & 0xff;
    return pick(t.exp, Math.min(s, (s - 15) & 0xff));
  };
  const e = pick(t.inLow, x & 15) ^ pick(t.inHigh, x >> 4);
  const h = e >> 4, l = e & 15, m = h ^ l;
  const delta = pick(t.lambdaSquare, h) ^ exp(pick(t.log, l), pick(t.log, m));
  const invDelta = pick(t.negLog, delta);
  return pick(t.outHigh, exp(pick(t.log, h), invDelta)) ^ pick(t.outLow, exp(pick(t.log, m), invDelta));
}

const bytes = (table: number[]): string => `(v128.const i8x16 ${table.join(' ')})`;
const splat8 = (n: number): string => `(v128.const i8x16 ${Array(16).fill(n).join(' ')})`;
const swizzle = (table: number[], index: string): string => `(i8x16.swizzle ${bytes(table)} ${index})`;
const get = (name: string): string => `(local.get ${name})`;
const set = (name: string, value: string): string => `(local.set ${name} ${value})`;

/** GF(16) exp(a + b), logarithms reduced mod 15 by an unsigned minimum with the sum less 15. */
const expOfSum = (t: Tables, a: string, b: string, into: string, g: string): string[] => [
  set(`$s${g}`, `(i8x16.add ${a} ${b})`),
  set(into, swizzle(t.exp, `(i8x16.min_u ${get(`$s${g}`)} (i8x16.sub ${get(`$s${g}`)} ${splat8(15)}))`)),
];

/** Each byte's high nibble: a 16-bit shift and a mask, where i8x16.shr_u takes more instructions on x86. */
const highNibbles = (value: string): string => `(v128.and (i16x8.shr_u ${value} (i32.const 4)) ${splat8(15)})`;

/** The temporaries of group g. */
const TEMPORARIES = ['t', 'u', 'e', 'h', 'm', 'lh', 'lm', 'd', 's'];

/** $t_g = S-box of every byte of $t_g (temporaries of group g). */
function sbox(t: Tables, g: string): string[] {
  const v = (name: string) => `$${name}${g}`;
  return [
    set(v('e'), `(v128.xor ${swizzle(t.inLow, `(v128.and ${get(v('t'))} ${splat8(15)})`)} ${swizzle(t.inHigh, highNibbles(get(v('t'))))})`),
    set(v('h'), highNibbles(get(v('e')))),
    set(v('m'), `(v128.xor ${get(v('h'))} (v128.and ${get(v('e'))} ${splat8(15)}))`),
    set(v('lh'), swizzle(t.log, get(v('h')))),
    set(v('lm'), swizzle(t.log, get(v('m')))),
    ...expOfSum(t, swizzle(t.log, `(v128.and ${get(v('e'))} ${splat8(15)})`), get(v('lm')), v('d'), g),
    set(v('d'), swizzle(t.negLog, `(v128.xor ${swizzle(t.lambdaSquare, get(v('h')))} ${get(v('d'))})`)),
    ...expOfSum(t, get(v('lh')), get(v('d')), v('h'), g),
    ...expOfSum(t, get(v('lm')), get(v('d')), v('m'), g),
    set(v('t'), `(v128.xor ${swizzle(t.outHigh, get(v('h')))} ${swizzle(t.outLow, get(v('m')))})`),
  ];
}

/** Each 32-bit lane rotated left by 8·k bits: a byte shuffle. */
const rotateBytes = (value: string, k: number): string => {
  const lanes = [0, 1, 2, 3].flatMap((lane) => [0, 1, 2, 3].map((b) => lane * 4 + ((b - k + 4) % 4)));
  return `(i8x16.shuffle ${lanes.join(' ')} ${value} ${value})`;
};

/**
 * Round i on the words a, b, c, d (vectors of the four blocks' words): a ^= L(S(b ^ c ^ d ^ rk_i)),
 * L(x) = x ^ x<<<2 ^ x<<<10 ^ x<<<18 ^ x<<<24, with u = x<<<2 the three middle terms are u and
 * u rotated by one and two bytes.
 */
function round(t: Tables, i: number, [a, b, c, d]: readonly [string, string, string, string], g: string): string[] {
  const tt = `$t${g}`, u = `$u${g}`;
  return [
    set(tt, `(v128.xor (v128.xor ${get(b)} ${get(c)}) (v128.xor ${get(d)} (v128.load32_splat offset=${SM4_LAYOUT.roundKeys + 4 * (i % 4)} (local.get $rk))))`),
    ...sbox(t, g),
    set(u, `(v128.or (i32x4.shl ${get(tt)} (i32.const 2)) (i32x4.shr_u ${get(tt)} (i32.const 30)))`),
    set(a, `(v128.xor ${get(a)} (v128.xor (v128.xor ${get(tt)} ${get(u)}) (v128.xor (v128.xor ${rotateBytes(get(u), 1)} ${rotateBytes(get(u), 2)}) ${rotateBytes(get(tt), 3)})))`),
  ];
}

/** Bytes of lanes `lane` and `lane + 1` of two vectors interleaved: x[lane] y[lane] x[lane+1] y[lane+1]. */
const interleave = (x: string, y: string, lane: number): string => {
  const pick = (v: number, l: number) => [0, 1, 2, 3].map((b) => v * 16 + l * 4 + b);
  return `(i8x16.shuffle ${[...pick(0, lane), ...pick(1, lane), ...pick(0, lane + 1), ...pick(1, lane + 1)].join(' ')} ${x} ${y})`;
};

/** Words at lanes `lane`, `lane + 1` of x then of y, each word's bytes reversed: a block in big-endian. */
const blockOf = (x: string, y: string, lane: number): string => {
  const word = (v: number, l: number) => [3, 2, 1, 0].map((b) => v * 16 + l * 4 + b);
  return `(i8x16.shuffle ${[...word(0, lane), ...word(0, lane + 1), ...word(1, lane), ...word(1, lane + 1)].join(' ')} ${x} ${y})`;
};

const swap32 = (value: string): string =>
  `(i32.or (i32.and (i32.rotl ${value} (i32.const 8)) (i32.const 0x00ff00ff)) (i32.and (i32.rotr ${value} (i32.const 8)) (i32.const 0xff00ff00)))`;

/** Groups of four blocks in flight: a round is one long dependency chain, so three chains keep the core busy. */
const GROUPS = ['a', 'b', 'c'];

/** Statements of the groups' code alternated, so independent work sits side by side. */
const zip = (parts: string[][]): string[] => Array.from({ length: Math.max(...parts.map((p) => p.length)) }, (_, i) => parts.flatMap((p) => (i < p.length ? [p[i]!] : []))).flat();

/**
 * The code of one turn over the groups' 64-byte slices at $ptr + 64g: with 'ctr', group g's
 * keystream (counter + 4g … + 4g + 3) XORed into them; with 'ecb', their blocks encrypted in place.
 */
function groupCode(tables: Tables, mode: 'ctr' | 'ecb'): string[] {
  const words = (g: string) => [0, 1, 2, 3].map((k) => `$x${k}${g}`);
  const roles = (g: string, i: number) => [0, 1, 2, 3].map((k) => words(g)[(i + k) % 4]!) as [string, string, string, string];
  const at = (gi: number, block: number) => `offset=${64 * gi + 16 * block}`;
  const counters = (g: string, gi: number) => [
    set(`$x0${g}`, '(i32x4.splat (local.get $n0))'),
    set(`$x1${g}`, '(i32x4.splat (local.get $n1))'),
    set(`$x2${g}`, '(i32x4.splat (local.get $n2))'),
    set(`$x3${g}`, `(i32x4.add (i32x4.splat (local.get $c)) (v128.const i32x4 ${[0, 1, 2, 3].map((k) => 4 * gi + k).join(' ')}))`),
  ];
  // Four blocks into four vectors of their words: transposed, each word's bytes reversed.
  const loaded = (g: string, gi: number) => {
    const block = (k: number) => `(v128.load ${at(gi, k)} (local.get $ptr))`;
    const [t0, t1, t2, t3] = ['$p', '$q', `$e${g}`, `$h${g}`];
    return [
      set(t0!, interleave(block(0), block(1), 0)),
      set(t1!, interleave(block(0), block(1), 2)),
      set(t2!, interleave(block(2), block(3), 0)),
      set(t3!, interleave(block(2), block(3), 2)),
      set(`$x0${g}`, blockOf(get(t0!), get(t2!), 0)),
      set(`$x1${g}`, blockOf(get(t0!), get(t2!), 2)),
      set(`$x2${g}`, blockOf(get(t1!), get(t3!), 0)),
      set(`$x3${g}`, blockOf(get(t1!), get(t3!), 2)),
    ];
  };
  const setup = mode === 'ctr' ? zip(GROUPS.map(counters)) : GROUPS.flatMap(loaded);
  // 32 rounds, the roles passing on: round i updates word i mod 4; four rounds per turn of the loop.
  const four = Array.from({ length: 4 }, (_, i) => zip(GROUPS.map((g) => round(tables, i, roles(g, i), g)))).flat();
  const rounds = [
    set('$rk', '(i32.const 0)'),
    '(loop $rounds',
    ...four,
    set('$rk', '(i32.add (local.get $rk) (i32.const 16))'),
    '(br_if $rounds (i32.lt_u (local.get $rk) (i32.const 128))))',
  ];
  // The output is x3 x2 x1 x0 per block: transposed back, in big-endian bytes.
  const output = GROUPS.flatMap((g, gi) => {
    const [x0, x1, x2, x3] = words(g).map(get);
    const store = (block: number, value: string) =>
      `(v128.store ${at(gi, block)} (local.get $ptr) ${mode === 'ctr' ? `(v128.xor (v128.load ${at(gi, block)} (local.get $ptr)) ${value})` : value})`;
    return [0, 2].flatMap((lane) => [
      set('$p', interleave(x3!, x2!, lane)),
      set('$q', interleave(x1!, x0!, lane)),
      store(lane, blockOf(get('$p'), get('$q'), 0)),
      store(lane + 1, blockOf(get('$p'), get('$q'), 2)),
    ]);
  });
  return [...setup, ...rounds, ...output];
}

/**
 * The loop over the $blocks blocks at the data offset, a turn of all groups at a time: $ptr the
 * turn's first block; `each` is what a turn does besides `groupCode`.
 */
function turns(tables: Tables, mode: 'ctr' | 'ecb', each: string[]): string {
  const { data } = SM4_LAYOUT;
  return [
    set('$ptr', `(i32.const ${data})`),
    set('$end', `(i32.add (i32.const ${data}) (i32.shl (local.get $blocks) (i32.const 4)))`),
    '(block $done',
    '  (loop $turn',
    '    (br_if $done (i32.ge_u (local.get $ptr) (local.get $end)))',
    ...[...groupCode(tables, mode), ...each, set('$ptr', `(i32.add (local.get $ptr) (i32.const ${64 * GROUPS.length}))`)].map((line) => `    ${line}`),
    '    (br $turn)))',
  ].join('\n    ');
}

export function sm4Wat(): string {
  const tables = sboxTables();
  for (let x = 0; x < 256; x++) if (sboxFrom(tables, x) !== SM4_SBOX[x]) throw new Error(`the S-box tables are wrong at ${x}`);
  const { counter, data } = SM4_LAYOUT;
  const locals = [
    '(local $ptr i32) (local $end i32) (local $rk i32) (local $p v128) (local $q v128)',
    ...GROUPS.flatMap((g) => [...[0, 1, 2, 3].map((k) => `x${k}${g}`), ...TEMPORARIES.map((name) => `${name}${g}`)]).map((name) => `(local $${name} v128)`),
  ].join(' ');
  return `(module
  (memory (export "memory") ${SM4_LAYOUT.pages})

  ;; Data at ${data}, $blocks of it (its last ${GROUPS.length * 4} blocks may run past them into scratch),
  ;; XORed in place with the keystream of the counter at ${counter}, which is left counted on.
  (func (export "ctr") (param $blocks i32)
    (local $n0 i32) (local $n1 i32) (local $n2 i32) (local $c i32) ${locals}
    ${set('$n0', swap32(`(i32.load (i32.const ${counter}))`))}
    ${set('$n1', swap32(`(i32.load (i32.const ${counter + 4}))`))}
    ${set('$n2', swap32(`(i32.load (i32.const ${counter + 8}))`))}
    ${set('$c', swap32(`(i32.load (i32.const ${counter + 12}))`))}
    ${turns(tables, 'ctr', [set('$c', `(i32.add (local.get $c) (i32.const ${4 * GROUPS.length}))`)])}
    (i32.store (i32.const ${counter + 12}) ${swap32(`(i32.add ${swap32(`(i32.load (i32.const ${counter + 12}))`)} (local.get $blocks))`)}))

  ;; The $blocks blocks at ${data} (and scratch after them, to a whole turn) encrypted in place.
  (func (export "ecb") (param $blocks i32)
    ${locals}
    ${turns(tables, 'ecb', [])})
)
`;
}
