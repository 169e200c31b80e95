import os from 'node:os';
import { createRedactor, deriveTransformKeys } from '../gateway/desensitize/index.ts';
import {
  COMPOUND_SURNAMES,
  findEntities,
  isBankCard,
  isEmail,
  isIpAddress,
  isLandline,
  isLicencePlate,
  isMobile,
  isPassport,
  isResidentId,
  isUsccStrict,
  SURNAMES,
  type EntityKind,
} from '../gateway/discovery/index.ts';
import { freeTextCorpus, scoreCorpus } from '../gateway/discovery/text/free-text-corpus.ts';
import type { BenchResult } from './types.ts';

/**
 * `redact` on free-text notes of ~80 characters (SLUICE_BENCH_NOTES, default 1,000,000), one
 * thread, beside Presidio-style scanning done the obvious way in the same run: one regular
 * expression pass over the text per recognizer, each match then validated (the same check
 * digits), overlaps resolved, spans replaced. Rates are CPU time (user + system) of this
 * thread's work, so other load on the machine moves them less than wall time.
 */
const NOTES = Number(process.env.SLUICE_BENCH_NOTES ?? 1_000_000);
const NOTE_CHARS = 80;

/** Notes of 70–90 characters cut from the labelled corpus (notes, tickets, chats with planted values and decoys). */
function notes(count: number): string[] {
  const texts = freeTextCorpus(20261203, 5000).map((c) => c.text);
  return Array.from({ length: count }, (_, i) => {
    let note = texts[i % texts.length]!;
    for (let j = 1; note.length < NOTE_CHARS; j++) note += texts[(i * 7 + j) % texts.length]!;
    return note.slice(0, NOTE_CHARS - 10 + (i % 21));
  });
}

interface Span {
  kind: EntityKind;
  start: number;
  end: number;
}

const HAN = '[\\u4e00-\\u9fff]';
const surnames = `(?:${[...COMPOUND_SURNAMES, ...SURNAMES].join('|')})`;

/** One recognizer per kind, as Presidio's PatternRecognizer does it: a regex, then `validate_result`. */
const RECOGNIZERS: { kind: EntityKind; pattern: RegExp; validate: (text: string) => boolean }[] = [
  { kind: 'cn_resident_id', pattern: /(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])/g, validate: (t) => isResidentId(t) },
  { kind: 'cn_mobile', pattern: /(?<![0-9A-Za-z+])(?:(?:\+|00)?86[ -]?)?1\d{2}[ -]?\d{4}[ -]?\d{4}(?![0-9A-Za-z])/g, validate: isMobile },
  { kind: 'cn_landline', pattern: /(?<![0-9A-Za-z(])(?:\(0\d{2,3}\)|0\d{2,3})[ -]?[2-9]\d{6,7}(?:(?:-|转)\d{1,5})?(?![0-9A-Za-z])/g, validate: isLandline },
  { kind: 'bank_card', pattern: /(?<![0-9A-Za-z])\d{4}(?:[ -]?\d{4}){3}(?:[ -]?\d{3})?(?![0-9A-Za-z])/g, validate: isBankCard },
  { kind: 'email', pattern: /[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}/g, validate: isEmail },
  { kind: 'passport', pattern: /(?<![0-9A-Za-z])(?:[EG]\d{8}|E[A-HJ-NP-Z]\d{7}|[DSP]E\d{7})(?![0-9A-Za-z])/g, validate: isPassport },
  { kind: 'licence_plate', pattern: /[京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼][A-HJ-NP-Z][ ·•]?[A-HJ-NP-Z0-9]{5,6}(?![0-9A-Za-z])/g, validate: isLicencePlate },
  { kind: 'uscc', pattern: /(?<![0-9A-Za-z])[0-9A-HJ-NPQRTUWXY]{18}(?![0-9A-Za-z])/g, validate: isUsccStrict },
  { kind: 'ip', pattern: /(?<![0-9A-Za-z])(?:\d{1,3}\.){3}\d{1,3}(?![0-9A-Za-z])/g, validate: isIpAddress },
  { kind: 'ip', pattern: /(?<![0-9A-Za-z:])(?:[0-9A-Fa-f]{1,4}:){1,7}:?(?::?[0-9A-Fa-f]{1,4}){1,7}(?![0-9A-Za-z:])/g, validate: isIpAddress },
  { kind: 'address', pattern: new RegExp(`${HAN}{2,10}?(?:省|市|区|县)${HAN}{0,12}?(?:路|街|道|巷)\\d{1,5}号`, 'g'), validate: () => true },
  { kind: 'name', pattern: new RegExp(`(?<=(?:姓名|收件人|联系人|客户|患者|持卡人|[：:，、]))${surnames}${HAN}{1,2}`, 'g'), validate: () => true },
];

function presidioSpans(text: string): Span[] {
  const found: Span[] = [];
  for (const { kind, pattern, validate } of RECOGNIZERS) {
    pattern.lastIndex = 0;
    for (let m = pattern.exec(text); m !== null; m = pattern.exec(text)) {
      if (validate(m[0])) found.push({ kind, start: m.index, end: m.index + m[0].length });
    }
  }
  return found.sort((a, b) => a.start - b.start || b.end - a.end);
}

function presidioStyle(text: string): string {
  let out = '';
  let at = 0;
  for (const s of presidioSpans(text)) {
    if (s.start < at) continue;
    out += `${text.slice(at, s.start)}[${s.kind.toUpperCase()}]`;
    at = s.end;
  }
  return out + text.slice(at);
}

/** Notes per CPU second of `redact` over all notes (after a warm-up pass over the first tenth). */
function cpuRate(all: readonly string[], redact: (text: string) => string): number {
  let sink = 0;
  for (let i = 0; i < Math.min(all.length, 100_000); i++) sink += redact(all[i]!).length;
  const started = process.cpuUsage();
  for (const note of all) sink += redact(note).length;
  const used = process.cpuUsage(started);
  if (sink === 0) throw new Error('nothing redacted');
  return all.length / ((used.user + used.system) / 1e6);
}

const result = (name: string, value: number, baselineName: string, baseline: number): BenchResult => ({
  name,
  value,
  unit: 'notes/s',
  baseline: { name: baselineName, value: baseline },
  ratio: value / baseline,
});

export async function run(): Promise<BenchResult[]> {
  const all = notes(NOTES);
  const chars = all.reduce((n, t) => n + t.length, 0) / all.length;
  process.stdout.write(`${all.length.toLocaleString('en-US')} notes, ${chars.toFixed(1)} characters on average; load average ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  const tag = createRedactor({ mode: 'tag' });
  const token = createRedactor({ mode: 'token', tokenizeKey: deriveTransformKeys(new Uint8Array(32).fill(1)).tokenize });
  const baseline = cpuRate(all, presidioStyle);
  const tagRate = cpuRate(all, (t) => tag.redact(t));
  const tokenRate = cpuRate(all, (t) => token.redact(t));
  process.stdout.write(`load average after ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}\n`);
  // What each finds, on the labelled corpus: speed means little without it.
  const corpus = freeTextCorpus(7, 2000);
  const scanners: [string, (text: string) => Span[]][] = [['sluice', (t) => findEntities(t)], ['Presidio-style', presidioSpans]];
  for (const [label, detect] of scanners) {
    const score = scoreCorpus(corpus, detect);
    const recall = Object.entries(score.kinds).map(([k, v]) => `${k} ${v.recall.toFixed(2)}`).join(', ');
    process.stdout.write(`${label} recall on 2,000 labelled texts: ${recall}; decoys kept ${score.decoys.rate.toFixed(2)}\n`);
  }
  return [
    result('redact, tag mode, one thread (CPU)', tagRate, 'Presidio-style regex per recognizer', baseline),
    result('redact, token mode, one thread (CPU)', tokenRate, 'Presidio-style regex per recognizer', baseline),
  ];
}
