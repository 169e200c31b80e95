/**
 * Collects records into batches of exactly `size` (the last may be smaller). Readers push while
 * parsing one text chunk, then hand over the full batches before reading the next chunk.
 */
export class Batcher<T> {
  private current: T[] = [];
  private full: T[][] = [];

  constructor(private readonly size: number) {}

  push(item: T): void {
    this.current.push(item);
    if (this.current.length >= this.size) {
      this.full.push(this.current);
      this.current = [];
    }
  }

  takeFull(): T[][] {
    const full = this.full;
    this.full = [];
    return full;
  }

  takeRest(): T[][] {
    const rest = [...this.takeFull(), this.current].filter((b) => b.length > 0);
    this.current = [];
    return rest;
  }
}
