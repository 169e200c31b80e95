import { GIVEN_NAME_CHARS, isBankCard, isResidentId, luhnCheckDigit, mobileDigits, residentIdCheckChar } from '../discovery/index.ts';
import type { DataRecord } from '../formats/index.ts';
import { createMarker } from './marks.ts';
import { RandomPool } from './random-pool.ts';
import { textOf, UNUSABLE, type ValueTransform } from './transforms/values.ts';
import type { FingerprintOptions } from './types.ts';

export interface CanaryField {
  name: string;
  apply: ValueTransform;
  /** False for transforms whose output does not follow the input (replace, nullify): canaries reuse a real output. */
  derivesFromInput: boolean;
}

const DEFAULT_RATE = 0.002;
/** Too few rows to hide a fake one among: no canaries. */
const MIN_ROWS = 50;
const MIN_CANARIES = 2;
const TRIES = 1024;

function randomDigits(random: RandomPool, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) out += String.fromCharCode(0x30 + random.below(10));
  return out;
}

/**
 * A plausible new input modelled on a real one: identifiers keep their structure (region and
 * birth date of a resident ID, BIN of a card, mobile segment) and a valid check digit; other
 * text keeps its first character and its shape, with digits, letters and Chinese characters
 * redrawn.
 */
function mutate(template: string, random: RandomPool): string {
  if (isResidentId(template) && template.length === 18) {
    const first17 = template.slice(0, 14) + randomDigits(random, 3);
    return first17 + residentIdCheckChar(first17);
  }
  if (/^\d+$/.test(template) && isBankCard(template)) {
    const body = template.slice(0, 6) + randomDigits(random, template.length - 7);
    return body + luhnCheckDigit(body);
  }
  const mobile = mobileDigits(template);
  if (mobile !== undefined) return mobile.slice(0, 3) + randomDigits(random, 8);
  let out = template[0] ?? '';
  for (let i = 1; i < template.length; i++) {
    const c = template.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) out += String.fromCharCode(0x30 + random.below(10));
    else if (c >= 0x41 && c <= 0x5a) out += String.fromCharCode(0x41 + random.below(26));
    else if (c >= 0x61 && c <= 0x7a) out += String.fromCharCode(0x61 + random.below(26));
    else if (c >= 0x4e00 && c <= 0x9fff) out += GIVEN_NAME_CHARS[random.below(GIVEN_NAME_CHARS.length)];
    else out += template[i];
  }
  return out;
}

export interface CanaryPlanter {
  /** Returns the outputs with canary rows inserted at random positions. */
  plant(inputs: readonly DataRecord[], outputs: DataRecord[]): DataRecord[];
  planted(): number;
}

/**
 * Leak-tracing canaries: synthetic rows built from the batch's own values and run through the
 * same transforms, so they look like every other row, whose cells carry the recipient's keyed
 * mark (see marks.ts). They survive re-ordering, row subsets and dropped or renamed columns:
 * `traceLeak` needs only the leaked rows and the candidates' keys.
 */
export function createCanaryPlanter(fields: readonly CanaryField[], options: FingerprintOptions): CanaryPlanter {
  const marked = createMarker(options.key);
  const rate = options.rate ?? DEFAULT_RATE;
  const random = new RandomPool();
  let planted = 0;

  const fromInput = (field: CanaryField, inputs: readonly DataRecord[]): unknown => {
    for (let i = 0; i < TRIES; i++) {
      const template = inputs[random.below(inputs.length)]![field.name];
      const text = textOf(template);
      if (text === undefined || text.length === 0) continue;
      const synthetic = mutate(text, random);
      const value = field.apply(typeof template === 'number' ? Number(synthetic) : synthetic);
      if (value !== UNUSABLE && marked(value)) return value;
    }
    return UNUSABLE;
  };

  const fromOutput = (field: CanaryField, outputs: readonly DataRecord[]): unknown => {
    for (let i = 0; i < Math.min(TRIES, outputs.length); i++) {
      const value = outputs[random.below(outputs.length)]![field.name];
      if (marked(value)) return value;
    }
    return outputs[random.below(outputs.length)]![field.name];
  };

  const canary = (inputs: readonly DataRecord[], outputs: readonly DataRecord[]): DataRecord => {
    const row: DataRecord = {};
    for (const field of fields) {
      const value = field.derivesFromInput ? fromInput(field, inputs) : UNUSABLE;
      row[field.name] = value === UNUSABLE ? fromOutput(field, outputs) : value;
    }
    return row;
  };

  return {
    plant(inputs, outputs) {
      if (outputs.length < MIN_ROWS) return outputs;
      const count = Math.max(MIN_CANARIES, Math.round(outputs.length * rate));
      const total = outputs.length + count;
      const slots = new Set<number>();
      while (slots.size < count) slots.add(random.below(total));
      const result = new Array<DataRecord>(total);
      for (let i = 0, from = 0; i < total; i++) result[i] = slots.has(i) ? canary(inputs, outputs) : outputs[from++]!;
      planted += count;
      return result;
    },
    planted: () => planted,
  };
}
