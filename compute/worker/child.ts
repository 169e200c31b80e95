// The job child: runs inside Node's permission model with read access to its own bundle and
// scratch directory only, write access to the scratch directory only, no child processes, no
// workers, no addons. It is started before its job, loads SEAL, then waits for one line on
// stdin — the job's files are in its scratch directory by then — evaluates and exits.
// Everything it gets is public.
import fs from 'node:fs';
import path from 'node:path';
import { isSluiceError } from '../../common/index.ts';
import { evaluate, type EvaluateRequest } from '../he/evaluate.ts';
import { heContext } from '../he/context.ts';
import { parameterSetFor } from '../he/params.ts';
import { SANDBOX_FILES, type SandboxJob } from './payload.ts';

// writeSync: if the worker that started us is gone, the write fails with EPIPE and we die too.
const report = (message: object) => fs.writeSync(1, JSON.stringify(message) + '\n');

/** Resolves at the first line on stdin; rejects if stdin ends first (the worker went away). */
function startSignal(): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', (chunk: string) => {
      seen += chunk;
      if (seen.includes('\n')) {
        process.stdin.pause();
        resolve();
      }
    });
    process.stdin.on('end', () => reject(new Error('no job')));
  });
}

try {
  const started = startSignal();
  // SEAL and the parameters of most jobs (BFV, additions), ready before the job arrives.
  await heContext(parameterSetFor('bfv', false));
  report({ ready: true });
  await started;
  const scratch = process.argv[2]!;
  const job = JSON.parse(fs.readFileSync(path.join(scratch, SANDBOX_FILES.job), 'utf8')) as SandboxJob;
  const publicKey = fs.readFileSync(path.join(scratch, SANDBOX_FILES.publicKey));
  const columns = job.inputs.map((name) => fs.readFileSync(path.join(scratch, SANDBOX_FILES.inputsDir, name)));
  const request: EvaluateRequest = { operation: job.operation, ...(job.weights ? { weights: job.weights } : {}) };
  if (job.mask) request.mask = new Uint8Array(fs.readFileSync(path.join(scratch, SANDBOX_FILES.mask)));
  const result = await evaluate(request, columns, { publicKey }, (progress) => report({ progress }));
  const partial = path.join(scratch, `${SANDBOX_FILES.result}.partial`);
  fs.writeFileSync(partial, result);
  fs.renameSync(partial, path.join(scratch, SANDBOX_FILES.result));
  report({ done: true });
} catch (error) {
  // Only the SURFACE code crosses back: messages and stacks could quote inputs.
  report({ error: isSluiceError(error) ? error.code : 'INTERNAL' });
  process.exitCode = 1;
}
