import type { GatewayContext } from '../context.ts';
import type { JobEvents } from './events.ts';

/**
 * A job's transitions (creation, contribution, enqueue, release, PSI exchange) hold this lock of
 * `ctx.locks`, so two requests, or a request and a sweep, never act on one job at once — on this
 * gateway or any other on the database.
 */
export const JOB_LOCK = 'sluice.compute-job';

/** What the compute routes and the background sweep share within one gateway process. */
export interface ComputeRuntime {
  ctx: GatewayContext;
  events: JobEvents;
  /**
   * Moves the job on as far as it can go now, one transition at a time per job; skipped when
   * another gateway holds the job (it, or the next sweep, moves it on); never throws.
   */
  kick(jobId: string): Promise<void>;
}
