export { createSweep, newSweepId, SweepSpecError, type SweepDeps } from './createSweep';
export { sweepDetail } from './summary';
