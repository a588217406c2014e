import { describe, expect, it } from 'vitest';
import { cutoffFor, runIdFor, takeOver } from './run-plan.js';

describe('run plan', () => {
  it('cuts off at now minus the retention', () => {
    expect(cutoffFor(100 * 86_400_000, 30)).toBe(70 * 86_400_000);
    expect(cutoffFor(5, 0)).toBe(5);
  });
  it('names runs: an admin run by its id, a scheduled tick by its job id (key-safe)', () => {
    expect(runIdFor({ runId: 'abc', jobId: 'x' })).toBe('abc');
    expect(runIdFor({ jobId: 'repeat:archive-weekly:1733000000000' })).toBe('scheduled-repeat-archive-weekly-1733000000000');
  });
  it('resumes its own interrupted run and closes another', () => {
    expect(takeOver(null, 'a')).toBe('none');
    expect(takeOver({ id: 'a' }, 'a')).toBe('resume');
    expect(takeOver({ id: 'b' }, 'a')).toBe('close');
  });
});
