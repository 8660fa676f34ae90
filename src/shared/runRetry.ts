/**
 * A run that failed before its first step (a bad config the checks could not see, a model that
 * would not load) has nothing to resume: running it again fails the same way. It is offered
 * "Edit and run again" (New run with its config) instead of Resume.
 */
import type { RunRecord } from './records';

export function failedBeforeFirstStep(run: Pick<RunRecord, 'status' | 'progress'>): boolean {
  return run.status === 'failed' && (run.progress?.step ?? 0) === 0;
}
