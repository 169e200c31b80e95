// common's worker-thread entry, light like errors.ts (no HTTP, database or logging stack): the
// pool and the bundler that turns a thread's TypeScript into the source the pool runs. Code that
// runs in a pool's threads imports serve.ts, the thread side, instead: it is all a thread needs.
export { ThreadPool, type ThreadPoolOptions } from './pool.ts';
export { bundle, type Bundle } from './bundle.ts';
