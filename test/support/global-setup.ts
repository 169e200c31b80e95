import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Every temporary file of a test run — data dirs, throwaway PostgreSQL clusters, Redis dirs,
 * Fabric networks — goes under one directory that is removed when the run ends. Test files and
 * the processes they start inherit TMPDIR, so they need no cleanup code of their own for it.
 */
export default function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'sluice-test-run-'));
  // Traversable by the `postgres` user, which owns the throwaway clusters inside.
  fs.chmodSync(root, 0o755);
  const previous = process.env.TMPDIR;
  process.env.TMPDIR = root;
  return () => {
    if (previous === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = previous;
    fs.rmSync(root, { recursive: true, force: true });
  };
}
