import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { serviceNodeFlags } from './node-flags.ts';

describe('serviceNodeFlags', () => {
  it('collects garbage on each isolate\'s own thread on two cores or fewer, and leaves V8 alone above', () => {
    expect(serviceNodeFlags(1)).toEqual(['--single-threaded-gc']);
    expect(serviceNodeFlags(2)).toEqual(['--single-threaded-gc']);
    expect(serviceNodeFlags(3)).toEqual([]);
    expect(serviceNodeFlags(64)).toEqual([]);
  });

  it('are flags this Node starts with, worker threads included', () => {
    const script = "const { Worker } = require('node:worker_threads'); new Worker('require(\"node:worker_threads\").parentPort.postMessage(1)', { eval: true }).once('message', (m) => console.log('ok', m));";
    expect(execFileSync(process.execPath, [...serviceNodeFlags(2), '-e', script], { encoding: 'utf8' }).trim()).toBe('ok 1');
  });
});
