import type { OutboxRelay } from '../anchoring/outbox.ts';
import type { GatewayContext } from '../context.ts';
import type { JobEvents } from './events.ts';
import type { KeyedSerial } from './serial.ts';
import type { ComputeDb } from './tables.ts';

/** What the compute routes and the background sweep share within one gateway process. */
export interface ComputeRuntime {
  ctx: GatewayContext;
  db: ComputeDb;
  relay: OutboxRelay;
  events: JobEvents;
  serial: KeyedSerial;
  /** Moves the job on as far as it can go now, one transition at a time per job; never throws. */
  kick(jobId: string): Promise<void>;
}
