import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SluiceError } from '../../common/errors.ts';
import { bundle } from '../../common/threads/index.ts';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface ChildBundle {
  /** The single file the job child runs, and the only application code it may read. */
  file: string;
  /** Every source file compiled into it, relative to the repository root. */
  sources: string[];
}

/**
 * Compiles the job child into one ES module, so the sandbox needs read access to that one file
 * instead of the whole application and its `node_modules`. Refuses to produce a bundle that
 * contains any KMS code, where all secret-key code lives (test/structure checks the imports
 * too; this holds the line for what actually ships to the child).
 */
export async function buildChildBundle(outDir: string): Promise<ChildBundle> {
  const { code, sources } = await bundle(path.join(here, 'child.ts'), 'esm');
  if (sources.some((s) => s.startsWith('kms/'))) {
    throw new SluiceError('INTERNAL', 'the job child bundle would contain secret-key code');
  }
  const digest = createHash('sha256').update(code).digest('hex').slice(0, 16);
  fs.mkdirSync(outDir, { recursive: true, mode: 0o700 });
  const file = path.join(outDir, `evaluate-${digest}.mjs`);
  if (!fs.existsSync(file)) {
    fs.writeFileSync(`${file}.${process.pid}.partial`, code, { mode: 0o444 });
    fs.renameSync(`${file}.${process.pid}.partial`, file);
  }
  return { file, sources };
}
