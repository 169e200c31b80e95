// A worker process for the queue tests: takes jobs and hangs on them until it is SIGKILLed.
import { createJobQueue } from '../../../compute/queue/index.ts';

const [dataDir, redisUrl] = process.argv.slice(2);
const queue = await createJobQueue<unknown, unknown>({ dataDir: dataDir!, redisUrl: redisUrl || undefined, leaseMs: 1000, pollMs: 50 });
queue.process(async (job) => {
  process.stdout.write(`claimed ${job.id}\n`);
  await new Promise(() => undefined);
}, { concurrency: 1 });
