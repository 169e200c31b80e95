import { hasAstral, onText, type ValueTransform } from './values.ts';

/** The first `length` code points; a surrogate pair is never cut in half. */
export function createTruncate(length: number): ValueTransform {
  return onText((text) => {
    if (text.length <= length) return text;
    if (!hasAstral(text)) return text.slice(0, length);
    let end = 0;
    for (let points = 0; points < length && end < text.length; points++) {
      const c = text.charCodeAt(end);
      end += c >= 0xd800 && c <= 0xdbff && end + 1 < text.length ? 2 : 1;
    }
    return text.slice(0, end);
  });
}
