/** One measured figure beside a baseline measured in the same run; ratio = value / baseline.value. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  baseline: { name: string; value: number };
  ratio: number;
}
