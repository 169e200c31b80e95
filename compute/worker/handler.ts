import fs from 'node:fs';
import path from 'node:path';
import type { JobHandler } from '../queue/types.ts';
import type { WorkerKms } from './kms-client.ts';
import type { SandboxChild, SandboxLimits, SpareChildren } from './sandbox.ts';
import { SANDBOX_FILES, type ComputeJobPayload, type ComputeJobResult, type SandboxJob } from './payload.ts';
import { sha256Hex, type ComputeStore } from './store.ts';

export interface ComputeHandlerDeps {
  store: ComputeStore;
  kms: WorkerKms;
  /** Job children started ahead of their jobs (`SandboxChild`), each in its own scratch directory. */
  spares: SpareChildren;
  limits: SandboxLimits;
  /** Lets the job's child run; tests wrap it to inspect everything the child is given. */
  run?: (child: SandboxChild, timeoutMs: number, onProgress: (fraction: number) => void, jobId: string) => Promise<Uint8Array>;
}

/**
 * One compute job: fetch the job's public key, hand a waiting child its public inputs in its
 * scratch directory, store the result under the job id and tell the KMS its digest. Every step
 * is keyed by the job id, and evaluation is deterministic, so a re-run after a crash finishes
 * with the same bytes (or finds them already stored).
 */
export function createComputeHandler(deps: ComputeHandlerDeps): JobHandler<ComputeJobPayload, ComputeJobResult> {
  const run = deps.run ?? ((child: SandboxChild, timeoutMs: number, onProgress: (fraction: number) => void) => child.run(timeoutMs, onProgress));
  return async (job) => {
    const { jobId, keysetId } = job.payload;
    const stored = await deps.store.readResult(jobId);
    if (stored) {
      const digest = sha256Hex(stored);
      await deps.kms.reportResult(keysetId, digest);
      return { digest, bytes: stored.length };
    }
    const publicKey = await deps.kms.publicKey(keysetId);
    const child = deps.spares.take();
    const scratch = child.launch.scratchDir;
    try {
      const sandboxJob: SandboxJob = { operation: job.payload.operation, inputs: job.payload.inputs.map((_, i) => `${i}.col`) };
      if (job.payload.weights) sandboxJob.weights = job.payload.weights;
      if (job.payload.mask) sandboxJob.mask = SANDBOX_FILES.mask;
      fs.writeFileSync(path.join(scratch, SANDBOX_FILES.job), JSON.stringify(sandboxJob));
      fs.writeFileSync(path.join(scratch, SANDBOX_FILES.publicKey), publicKey);
      fs.mkdirSync(path.join(scratch, SANDBOX_FILES.inputsDir));
      for (const [i, name] of job.payload.inputs.entries()) {
        await deps.store.copyInput(jobId, name, path.join(scratch, SANDBOX_FILES.inputsDir, sandboxJob.inputs[i]!));
      }
      if (job.payload.mask) await deps.store.copyInput(jobId, job.payload.mask, path.join(scratch, SANDBOX_FILES.mask));
      const result = await run(child, deps.limits.timeoutMs, (f) => void job.progress(f * 0.95).catch(() => undefined), jobId);
      await deps.store.putResult(jobId, result);
      const digest = sha256Hex(result);
      await deps.kms.reportResult(keysetId, digest);
      await job.progress(1);
      return { digest, bytes: result.length };
    } finally {
      await child.dispose();
      deps.spares.replenish();
    }
  };
}
