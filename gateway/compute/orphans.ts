import type { ComputeRuntime } from './runtime.ts';
import type { JobStage } from './tables.ts';

const ENDED: readonly JobStage[] = ['released', 'failed'];

/**
 * Destroys the KMS's homomorphic key sets no live job uses. A key set the KMS created after the
 * gateway stopped waiting (a stalled KMS that finished the request late) belongs to a job that
 * was refused and deleted, or to none; the per-job steps never see it, this does. Kept: the key
 * sets of jobs still being prepared (their key set may not be on the row yet) and the one each
 * running job's row names. The KMS is listed before the jobs are read, so a key set created
 * after the listing is left to the next round, never taken for an orphan.
 */
export async function destroyOrphanKeysets(rt: ComputeRuntime): Promise<number> {
  const { keysets } = rt.ctx.compute;
  const live = await keysets.live();
  if (live.length === 0) return 0;
  // A job labels its key sets with its id, or `<id>.ckks` for one replacing a guessed BFV set.
  const jobOf = (label: string) => label.replace(/\.ckks$/, '');
  const ids = [...new Set(live.map((k) => jobOf(k.jobId)))];
  const jobs = new Map<string, { stage: JobStage; keyset_id: string | null }>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows = await rt.ctx.db.selectFrom('compute_jobs').select(['id', 'stage', 'keyset_id']).where('id', 'in', ids.slice(i, i + 500)).execute();
    for (const row of rows) jobs.set(row.id, row);
  }
  let destroyed = 0;
  for (const keyset of live) {
    const job = jobs.get(jobOf(keyset.jobId));
    const inUse = job !== undefined && !ENDED.includes(job.stage) && (job.stage === 'preparing' || job.keyset_id === keyset.keysetId);
    if (inUse) continue;
    await keysets.destroy(keyset.keysetId);
    destroyed++;
  }
  return destroyed;
}
