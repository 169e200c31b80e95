import { describe, expect, it } from 'vitest';
import { isCommonWord, isPlaceChar, WordList } from './lexicon.ts';

describe('lexicon lookups', () => {
  it('finds the first listed word at a place, as an alternation would, and words ending at one', () => {
    const words = new WordList(['有限公司', '公司', '公', '银行']);
    const text = '杭州华信有限公司和招商银行';
    expect(words.startingAt(text, 4)).toBe('有限公司');
    expect(words.startingAt(text, 6)).toBe('公司');
    expect(words.startingAt(text, 0)).toBeUndefined();
    expect(words.startingAt(text, text.length)).toBeUndefined();
    expect(new WordList(['公', '公司']).startingAt(text, 6)).toBe('公');
    expect(words.endsAt(text, 8)).toBe(true);
    expect(words.endsAt(text, 13)).toBe(true);
    expect(words.endsAt(text, 12)).toBe(false);
    expect(words.endsAt(text, 0)).toBe(false);
    // A word longer than what precedes the place does not end there.
    expect(new WordList(['谢谢']).endsAt('谢王', 1)).toBe(false);
  });

  it('knows frequent two-character words and place characters', () => {
    expect(isCommonWord('高'.charCodeAt(0), '兴'.charCodeAt(0))).toBe(true);
    expect(isCommonWord('张'.charCodeAt(0), '伟'.charCodeAt(0))).toBe(false);
    expect(isCommonWord('a'.charCodeAt(0), '兴'.charCodeAt(0))).toBe(false);
    expect(isPlaceChar('杭'.charCodeAt(0))).toBe(true);
    expect(isPlaceChar('的'.charCodeAt(0))).toBe(false);
    expect(isPlaceChar('A'.charCodeAt(0))).toBe(false);
  });
});
