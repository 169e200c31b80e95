import type { Writable } from 'node:stream';
import type { CliIO } from './command.ts';

export interface Progress {
  /** `fraction` in 0..1, or undefined when the total is unknown (then `detail` alone is shown). */
  update(fraction: number | undefined, detail: string): void;
  done(): void;
}

const WIDTH = 30;
const NONE: Progress = { update() {}, done() {} };

/**
 * A progress bar on stderr for a person watching a terminal. When stdout is not a terminal
 * (piped, redirected, in CI) there is none: nothing but the command's output is written.
 */
export function progressBar(io: CliIO, label: string): Progress {
  if ((io.stdout as Writable & { isTTY?: boolean }).isTTY !== true) return NONE;
  const out = io.stderr;
  let last = '';
  return {
    update(fraction, detail) {
      const bar =
        fraction === undefined
          ? ''
          : `[${'#'.repeat(Math.round(Math.min(1, Math.max(0, fraction)) * WIDTH)).padEnd(WIDTH, ' ')}] ${String(Math.floor(fraction * 100)).padStart(3)}% `;
      const line = `${label} ${bar}${detail}`;
      if (line === last) return;
      last = line;
      out.write(`\r\u001b[2K${line}`);
    },
    done() {
      if (last) out.write('\n');
    },
  };
}

/** Sizes for people: 1.5 MiB, 312 KiB, 80 B. */
export function bytes(n: number): string {
  if (n >= 1 << 20) return `${(n / (1 << 20)).toFixed(1)} MiB`;
  if (n >= 1 << 10) return `${(n / (1 << 10)).toFixed(0)} KiB`;
  return `${n} B`;
}
