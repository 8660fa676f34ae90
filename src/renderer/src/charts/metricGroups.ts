/** Metric grouping lives in src/shared/charts (the bundles group with it too). */
export * from '../../../shared/charts/metricGroups';
