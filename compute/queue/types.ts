export interface JobOptions {
  /** Runs before the job is failed for good (default 3). */
  attempts?: number;
  /** First retry delay; doubles with each attempt (default 1000 ms). */
  backoffMs?: number;
}

export type JobStatus = 'waiting' | 'active' | 'completed' | 'failed';

export interface JobInfo<R> {
  id: string;
  status: JobStatus;
  progress: number;
  /** Attempts started so far. */
  attempts: number;
  result?: R;
  /** `CODE: message` of the last failure; never a record value. */
  error?: string;
}

export interface RunningJob<P> {
  id: string;
  payload: P;
  /** 1 on the first run, 2 on the first retry, … */
  attempt: number;
  progress(fraction: number): Promise<void>;
}

export type JobHandler<P, R> = (job: RunningJob<P>) => Promise<R>;

/**
 * A durable job queue. Jobs are identified by the caller's id: adding an id twice is a no-op.
 * A job whose worker dies is handed to another worker once its lease lapses, so handlers
 * must be idempotent (compute handlers key every step by job id).
 */
export interface JobQueue<P, R> {
  add(jobId: string, payload: P, options?: JobOptions): Promise<void>;
  process(handler: JobHandler<P, R>, options: { concurrency: number }): void;
  get(jobId: string): Promise<JobInfo<R> | undefined>;
  onProgress(listener: (jobId: string, progress: number) => void): void;
  onCompleted(listener: (jobId: string, result: R) => void): void;
  /** A job failed for good: a permanent error, or its attempts are used up. */
  onFailed(listener: (jobId: string, error: string) => void): void;
  /** Stops taking jobs, waits for running handlers, releases connections. */
  close(): Promise<void>;
}
