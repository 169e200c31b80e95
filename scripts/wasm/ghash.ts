/**
 * GHASH in WebAssembly text (crypto/ghash.ts runs it; build.ts assembles it).
 *
 * Why WebAssembly: GHASH needs carry-less products, which neither JavaScript nor WebAssembly
 * has. Integer multiplication with holes makes them (a factor split into four parts whose bits
 * are four apart; a column of one product then sums at most 15 bits, so its carries stay in the
 * holes a mask drops), and WebAssembly multiplies 64-bit integers in one instruction where
 * JavaScript has 32-bit Math.imul: a block costs 96 multiplications here against 243. Neither
 * the code's branches nor its memory addresses depend on H or on the data, only on lengths;
 * i64.mul is one machine multiplication whose time does not depend on its operands.
 *
 * Numbers: a block's bytes 0-7 and 8-15 are read big-endian as hi and lo; GCM puts x^0 in the
 * top bit of hi, so polynomials are bit-reversed integers. The high half of a 64 × 64 product
 * is the reversed low half of the product of the reversed factors, shifted by one. Blocks are
 * hashed in groups of up to eight with H^n … H^1, their products summed before one reduction.
 */
/** Memory layout shared with crypto/ghash.ts (written into crypto/ghash-module.ts). */
export const GHASH_LAYOUT = {
  /** H, 16 bytes, for `init`. */
  h: 0,
  /** The GHASH state, 16 bytes in GCM's byte order. */
  state: 16,
  /** A zero block, for `init`. */
  zero: 32,
  /** The current key's powers H^1 … H^8, each as six operands of four parts. */
  table: 64,
  tableBytes: 8 * 6 * 4 * 8,
  /** Blocks to absorb are copied here. */
  data: 65536,
  dataBytes: 65536,
  pages: 2,
} as const;

const GROUP = 8;
const POWER_BYTES = 6 * 4 * 8;
const MASKS = ['0x1111111111111111', '0x2222222222222222', '0x4444444444444444', '0x8888888888888888'];
// The operands of one power, in table order: lo, hi, lo ^ hi, then the same bit-reversed.
const OPERANDS = ['lo', 'hi', 'mid', 'lor', 'hir', 'midr'] as const;

const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const acc = (operand: number, lane: number) => `$a${operand}_${lane}`;

/**
 * acc[operand][c] ^= Σ x_i·h_j over i + j ≡ c (mod 4), for x split into its four parts and the
 * power's parts h_j at `power`.
 */
function multiplyAccumulate(x: string, operand: number): string {
  const parts = range(4).map((i) => `(local.set $x${i} (i64.and (local.get ${x}) (i64.const ${MASKS[i]})))`);
  const loads = range(4).map((j) => `(local.set $h${j} (i64.load offset=${operand * 32 + j * 8} (local.get $power)))`);
  const lanes = range(4).map((c) => {
    const terms = range(4).map((i) => `(i64.mul (local.get $x${i}) (local.get $h${(c - i + 4) % 4}))`);
    const sum = terms.reduce((left, right) => `(i64.xor ${left} ${right})`);
    return `(local.set ${acc(operand, c)} (i64.xor (local.get ${acc(operand, c)}) ${sum}))`;
  });
  return [...parts, ...loads, ...lanes].join('\n      ');
}

/** The four lanes of an operand's accumulator, each keeping its own columns. */
const lanesOf = (operand: number): string =>
  range(4)
    .map((c) => `(i64.and (local.get ${acc(operand, c)}) (i64.const ${MASKS[c]}))`)
    .reduce((left, right) => `(i64.or ${left} ${right})`);

/** The high half of a product: the reversed low half of the reversed factors', shifted by one. */
const highOf = (operand: number): string => `(i64.shr_u (call $reverse ${lanesOf(operand)}) (i64.const 1))`;

const swapPairs = (x: string, shift: number, mask: string): string =>
  `(local.set ${x} (i64.or (i64.and (i64.shr_u (local.get ${x}) (i64.const ${shift})) (i64.const ${mask})) (i64.shl (i64.and (local.get ${x}) (i64.const ${mask})) (i64.const ${shift}))))`;

/** x with its bytes in reverse order, as statements (inlined in the block loop, where a call costs). */
const swapInPlace = (x: string): string[] => [
  swapPairs(x, 8, '0x00ff00ff00ff00ff'),
  swapPairs(x, 16, '0x0000ffff0000ffff'),
  `(local.set ${x} (i64.rotl (local.get ${x}) (i64.const 32)))`,
];

/** target = source with its bits in reverse order, as statements. */
const reverseInto = (target: string, source: string): string[] => [
  `(local.set ${target} (local.get ${source}))`,
  swapPairs(target, 1, '0x5555555555555555'),
  swapPairs(target, 2, '0x3333333333333333'),
  swapPairs(target, 4, '0x0f0f0f0f0f0f0f0f'),
  ...swapInPlace(target),
];

export function ghashWat(): string {
  const accumulators = range(6).flatMap((o) => range(4).map((c) => `(local ${acc(o, c)} i64)`)).join(' ');
  const clear = range(6).flatMap((o) => range(4).map((c) => `(local.set ${acc(o, c)} (i64.const 0))`)).join('\n        ');
  const storeParts = (x: string, operand: number) =>
    range(4).map((i) => `(i64.store offset=${operand * 32 + i * 8} (local.get $dst) (i64.and (local.get ${x}) (i64.const ${MASKS[i]})))`).join('\n    ');
  return `(module
  (memory (export "memory") ${GHASH_LAYOUT.pages})

  ;; Byte order reversed: a big-endian 64-bit word read as little-endian, or back.
  (func $swap (param $x i64) (result i64)
    ${swapInPlace('$x').join('\n    ')}
    (local.get $x))

  ;; Bit order reversed.
  (func $reverse (param $x i64) (result i64) (local $r i64)
    ${reverseInto('$r', '$x').join('\n    ')}
    (local.get $r))

  ;; The six operands of the block at $src, split into parts, at $dst: one power of H in the table.
  (func $expand (param $src i32) (param $dst i32)
    (local $lo i64) (local $hi i64) (local $mid i64) (local $lor i64) (local $hir i64) (local $midr i64)
    (local.set $hi (call $swap (i64.load (local.get $src))))
    (local.set $lo (call $swap (i64.load offset=8 (local.get $src))))
    (local.set $mid (i64.xor (local.get $lo) (local.get $hi)))
    (local.set $lor (call $reverse (local.get $lo)))
    (local.set $hir (call $reverse (local.get $hi)))
    (local.set $midr (i64.xor (local.get $lor) (local.get $hir)))
    ${OPERANDS.map((name, o) => storeParts(`$${name}`, o)).join('\n    ')})

  ;; The table of H^1 … H^${GROUP} for the H at ${GHASH_LAYOUT.h}: H^(p+1) is H^p, absorbed with a zero block.
  (func (export "init")
    (local $p i32)
    (v128.store (i32.const ${GHASH_LAYOUT.zero}) (v128.const i64x2 0 0))
    (call $expand (i32.const ${GHASH_LAYOUT.h}) (i32.const ${GHASH_LAYOUT.table}))
    (v128.store (i32.const ${GHASH_LAYOUT.state}) (v128.load (i32.const ${GHASH_LAYOUT.h})))
    (local.set $p (i32.const 1))
    (loop $next
      (call $absorbGroup (i32.const ${GHASH_LAYOUT.zero}) (i32.const 1))
      (call $expand (i32.const ${GHASH_LAYOUT.state}) (i32.add (i32.const ${GHASH_LAYOUT.table}) (i32.mul (local.get $p) (i32.const ${POWER_BYTES}))))
      (local.set $p (i32.add (local.get $p) (i32.const 1)))
      (br_if $next (i32.lt_u (local.get $p) (i32.const ${GROUP}))))
    (v128.store (i32.const ${GHASH_LAYOUT.state}) (v128.const i64x2 0 0)))

  ;; state = (state ⊕ X1)·H^n ⊕ X2·H^(n-1) ⊕ … ⊕ Xn·H for the n (1 … ${GROUP}) blocks at $ptr.
  (func $absorbGroup (param $ptr i32) (param $n i32)
    ${accumulators}
    (local $x0 i64) (local $x1 i64) (local $x2 i64) (local $x3 i64)
    (local $h0 i64) (local $h1 i64) (local $h2 i64) (local $h3 i64)
    (local $sh i64) (local $sl i64) (local $hi i64) (local $lo i64) (local $mid i64) (local $lor i64) (local $hir i64) (local $midr i64)
    (local $power i32) (local $end i32)
    (local $v0 i64) (local $v1 i64) (local $v2 i64) (local $v3 i64)
    (local $llo i64) (local $lhi i64) (local $hlo i64) (local $hhi i64) (local $mlo i64) (local $mhi i64)
    (local.set $sh (call $swap (i64.load (i32.const ${GHASH_LAYOUT.state}))))
    (local.set $sl (call $swap (i64.load (i32.const ${GHASH_LAYOUT.state + 8}))))
    ${clear}
    ;; Block b of n meets H^(n-b): the table entry n-b-1, stepping down from the top.
    (local.set $power (i32.add (i32.const ${GHASH_LAYOUT.table}) (i32.mul (i32.sub (local.get $n) (i32.const 1)) (i32.const ${POWER_BYTES}))))
    (local.set $end (i32.add (local.get $ptr) (i32.shl (local.get $n) (i32.const 4))))
    (loop $block
      ;; The state joins the first block only: it is zero afterwards.
      (local.set $hi (i64.load (local.get $ptr)))
      (local.set $lo (i64.load offset=8 (local.get $ptr)))
      ${[...swapInPlace('$hi'), ...swapInPlace('$lo')].join('\n      ')}
      (local.set $hi (i64.xor (local.get $hi) (local.get $sh)))
      (local.set $lo (i64.xor (local.get $lo) (local.get $sl)))
      (local.set $sh (i64.const 0))
      (local.set $sl (i64.const 0))
      (local.set $mid (i64.xor (local.get $lo) (local.get $hi)))
      ${[...reverseInto('$lor', '$lo'), ...reverseInto('$hir', '$hi')].join('\n      ')}
      (local.set $midr (i64.xor (local.get $lor) (local.get $hir)))
      ${OPERANDS.map((name, o) => multiplyAccumulate(`$${name}`, o)).join('\n      ')}
      (local.set $power (i32.sub (local.get $power) (i32.const ${POWER_BYTES})))
      (local.set $ptr (i32.add (local.get $ptr) (i32.const 16)))
      (br_if $block (i32.lt_u (local.get $ptr) (local.get $end))))
    ;; Karatsuba: the 256-bit product lo·lo ⊕ (mid·mid ⊕ lo·lo ⊕ hi·hi)·x^64 ⊕ hi·hi·x^128.
    (local.set $llo ${lanesOf(0)})
    (local.set $hlo ${lanesOf(1)})
    (local.set $mlo (i64.xor (i64.xor ${lanesOf(2)} (local.get $llo)) (local.get $hlo)))
    (local.set $lhi ${highOf(3)})
    (local.set $hhi ${highOf(4)})
    (local.set $mhi (i64.xor (i64.xor ${highOf(5)} (local.get $lhi)) (local.get $hhi)))
    (local.set $v0 (local.get $llo))
    (local.set $v1 (i64.xor (local.get $lhi) (local.get $mlo)))
    (local.set $v2 (i64.xor (local.get $hlo) (local.get $mhi)))
    (local.set $v3 (local.get $hhi))
    ;; Reversed factors leave x^k at bit 254 - k: one bit up puts x^0 at the top.
    (local.set $v3 (i64.or (i64.shl (local.get $v3) (i64.const 1)) (i64.shr_u (local.get $v2) (i64.const 63))))
    (local.set $v2 (i64.or (i64.shl (local.get $v2) (i64.const 1)) (i64.shr_u (local.get $v1) (i64.const 63))))
    (local.set $v1 (i64.or (i64.shl (local.get $v1) (i64.const 1)) (i64.shr_u (local.get $v0) (i64.const 63))))
    (local.set $v0 (i64.shl (local.get $v0) (i64.const 1)))
    ;; mod x^128 + x^7 + x^2 + x + 1: x^128 folds back as 1 + x + x^2 + x^7, a multiplication by x
    ;; being a right shift; the lowest word first, since its fold reaches the next one.
    (local.set $v2 (i64.xor (local.get $v2) (i64.xor (i64.xor (local.get $v0) (i64.shr_u (local.get $v0) (i64.const 1))) (i64.xor (i64.shr_u (local.get $v0) (i64.const 2)) (i64.shr_u (local.get $v0) (i64.const 7))))))
    (local.set $v1 (i64.xor (local.get $v1) (i64.xor (i64.xor (i64.shl (local.get $v0) (i64.const 63)) (i64.shl (local.get $v0) (i64.const 62))) (i64.shl (local.get $v0) (i64.const 57)))))
    (local.set $v3 (i64.xor (local.get $v3) (i64.xor (i64.xor (local.get $v1) (i64.shr_u (local.get $v1) (i64.const 1))) (i64.xor (i64.shr_u (local.get $v1) (i64.const 2)) (i64.shr_u (local.get $v1) (i64.const 7))))))
    (local.set $v2 (i64.xor (local.get $v2) (i64.xor (i64.xor (i64.shl (local.get $v1) (i64.const 63)) (i64.shl (local.get $v1) (i64.const 62))) (i64.shl (local.get $v1) (i64.const 57)))))
    (i64.store (i32.const ${GHASH_LAYOUT.state}) (call $swap (local.get $v3)))
    (i64.store (i32.const ${GHASH_LAYOUT.state + 8}) (call $swap (local.get $v2))))

  ;; Absorbs the $blocks whole blocks at $ptr into the state, ${GROUP} at a time.
  (func (export "absorb") (param $ptr i32) (param $blocks i32)
    (block $done
      (loop $group
        (br_if $done (i32.lt_u (local.get $blocks) (i32.const ${GROUP})))
        (call $absorbGroup (local.get $ptr) (i32.const ${GROUP}))
        (local.set $ptr (i32.add (local.get $ptr) (i32.const ${GROUP * 16})))
        (local.set $blocks (i32.sub (local.get $blocks) (i32.const ${GROUP})))
        (br $group)))
    (if (local.get $blocks) (then (call $absorbGroup (local.get $ptr) (local.get $blocks)))))
)
`;
}
