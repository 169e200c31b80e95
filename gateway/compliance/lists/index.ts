import type { Ftz } from '../scenario.ts';
import { beijing2024 } from './beijing-2024.ts';
import { hainan2024, shanghai2024, zhejiang2024 } from './others-2024.ts';
import { tianjin2024 } from './tianjin-2024.ts';
import type { NegativeList } from './types.ts';

export type { ListField, ListThreshold, NegativeList } from './types.ts';

/** The edition of each FTZ's negative list in force today; a new edition replaces the entry. */
export const NEGATIVE_LISTS: Readonly<Record<Ftz, NegativeList>> = {
  beijing: beijing2024,
  tianjin: tianjin2024,
  hainan: hainan2024,
  shanghai: shanghai2024,
  zhejiang: zhejiang2024,
};
