import { execFileSync } from 'node:child_process';
import fs from 'node:fs';

/**
 * Under `SLUICE_REQUIRE_BACKENDS=1` (CI) a missing backend is a failure, never a skip.
 * Returns true when the suite should run.
 */
export function backendAvailable(name: string, available: boolean): boolean {
  if (available) return true;
  if (process.env.SLUICE_REQUIRE_BACKENDS === '1') {
    throw new Error(`backend ${name} is required (SLUICE_REQUIRE_BACKENDS=1) but is not installed`);
  }
  return false;
}

/** Absolute path of an executable on PATH or in the given directories, if any. */
export function findExecutable(name: string, extraDirs: string[] = []): string | undefined {
  for (const dir of extraDirs) {
    const candidate = `${dir}/${name}`;
    if (fs.existsSync(candidate)) return candidate;
  }
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
