import type { JobInfo } from '../queue/types.ts';

/** The job states of the SURFACE compute routes. */
export type ComputeJobStatus = 'queued' | 'running' | 'awaiting_approval' | 'released' | 'failed';

/** Queue state → SURFACE status; `released` is the gateway's own record of the owners' release. */
export function computeJobStatus(info: Pick<JobInfo<unknown>, 'status'>, released: boolean): ComputeJobStatus {
  switch (info.status) {
    case 'waiting':
      return 'queued';
    case 'active':
      return 'running';
    case 'failed':
      return 'failed';
    case 'completed':
      return released ? 'released' : 'awaiting_approval';
  }
}
