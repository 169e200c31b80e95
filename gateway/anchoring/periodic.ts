/**
 * Runs a task now and then every `intervalMs` after it finishes — never two at once — until
 * stopped; `kick()` brings the next run forward. Used by the background relays.
 */
export class Periodic {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private busy = false;
  private stopped = true;

  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly intervalMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  kick(): void {
    if (this.stopped || this.busy) return;
    if (this.timer) clearTimeout(this.timer);
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  private schedule(delay: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.busy = true;
      this.running = this.task()
        .then(() => undefined, this.onError)
        .finally(() => {
          this.busy = false;
          this.schedule(this.intervalMs);
        });
    }, delay);
    this.timer.unref();
  }
}
