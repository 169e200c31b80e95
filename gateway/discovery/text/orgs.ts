import { divisionAt, isHan, PLACE_CHAR } from './lexicon.ts';

/**
 * Organisation names (杭州华信科技有限公司, 招商银行, 协和医院): not personal data, but they
 * often open with a surname character (武汉…, 苏州…), so the name finder must not look inside
 * them. Found from their suffix backwards: from the first gazetteer place name within reach
 * (深圳天成网络有限公司), else the few characters before the suffix (招商银行).
 */
const SUFFIX = /股份有限公司|有限责任公司|有限公司|分公司|公司|集团|银行|支行|医院|大学|学院|中学|小学|幼儿园|研究院|研究所|事务所|工作室|协会|委员会|酒店|超市|商场|药店|餐厅|门店|专卖店|旗舰店/g;
const PLACE = new RegExp(PLACE_CHAR);
const REACH = 10;
const BARE = 4;

export function findOrganisations(text: string): { start: number; end: number }[] {
  const out: { start: number; end: number }[] = [];
  SUFFIX.lastIndex = 0;
  let m: RegExpExecArray | null;
  while ((m = SUFFIX.exec(text)) !== null) {
    let run = m.index;
    while (run > 0 && m.index - run < REACH && isHan(text.charCodeAt(run - 1)) && PLACE.test(text[run - 1]!)) run--;
    if (m.index - run < 2) continue;
    let start = Math.max(run, m.index - BARE);
    for (let p = run; p < m.index - 1; p++) {
      if (divisionAt(text, p) !== undefined) {
        start = p;
        break;
      }
    }
    out.push({ start, end: m.index + m[0].length });
  }
  return out;
}
