import { hasAstral, onText, type ValueTransform } from './values.ts';

/**
 * Keeps `keepStart` and `keepEnd` code points and replaces the rest with `char`, preserving the
 * length in code points (so 张三丰 and emoji count as one character each). A value no longer
 * than keepStart + keepEnd is masked entirely: keeping both ends would reveal all of it.
 */
export function createMask(keepStart: number, keepEnd: number, char: string): ValueTransform {
  const repeated: string[] = [];
  const fill = (n: number): string => (n < 64 ? (repeated[n] ??= char.repeat(n)) : char.repeat(n));
  return onText((text) => {
    if (!hasAstral(text)) {
      const n = text.length;
      if (n <= keepStart + keepEnd) return fill(n);
      return text.slice(0, keepStart) + fill(n - keepStart - keepEnd) + text.slice(n - keepEnd);
    }
    const points = Array.from(text);
    const n = points.length;
    if (n <= keepStart + keepEnd) return fill(n);
    return points.slice(0, keepStart).join('') + fill(n - keepStart - keepEnd) + points.slice(n - keepEnd).join('');
  });
}
