import fs from 'node:fs';

/**
 * Shows a one-time secret to the operator. Under the supervisor it goes down a dedicated pipe
 * (fd 3) that is printed but never written to log files; standalone it goes to stdout.
 */
export function revealOnce(message: string): void {
  const fd = Number(process.env.SLUICE_SECRET_FD);
  if (Number.isInteger(fd) && fd > 2) {
    try {
      fs.writeSync(fd, message + '\n');
      return;
    } catch {
      // no pipe attached: fall back to the console
    }
  }
  process.stdout.write(message + '\n');
}
