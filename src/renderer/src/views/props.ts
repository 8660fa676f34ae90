import type { MetricSeries, RunRecord } from '@shared/records';
import type { KindResultsView } from '@shared/kinds';

/** What the run page gives every results view. */
export interface ResultsViewProps {
  run: RunRecord;
  /** The run's metric series by key (a new object whenever points arrive). */
  series: Record<string, MetricSeries>;
  /** The run is still queued or running (results may still appear). */
  active: boolean;
  spec: KindResultsView;
}
