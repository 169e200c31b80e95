import { describe, expect, it } from 'vitest';
import { computeJobStatus } from './status.ts';

describe('computeJobStatus', () => {
  it('maps queue states to the SURFACE job states', () => {
    expect(computeJobStatus({ status: 'waiting' }, false)).toBe('queued');
    expect(computeJobStatus({ status: 'active' }, false)).toBe('running');
    expect(computeJobStatus({ status: 'completed' }, false)).toBe('awaiting_approval');
    expect(computeJobStatus({ status: 'completed' }, true)).toBe('released');
    expect(computeJobStatus({ status: 'failed' }, false)).toBe('failed');
  });
});
