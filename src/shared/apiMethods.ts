/** Names of the renderer API methods and IPC channels, free of any dependency so the sandboxed
 * preload can bundle them without pulling in the schemas. api.ts checks this list against the
 * argument schemas at compile time. */
export const API_METHODS = [
  'listRuns',
  'getRun',
  'createRun',
  'cancelRun',
  'deleteRun',
  'restoreRun',
  'resumeRun',
  'updateRun',
  'getMetricKeys',
  'getMetricSeries',
  'getEvents',
  'getSamples',
  'querySamples',
  'getFinalMetrics',
  'getArtifacts',
  'validateConfig',
  'listModels',
  'addModel',
  'removeModel',
  'listDatasets',
  'previewDataset',
  'inspectJsonl',
  'importDataset',
  'removeDataset',
  'getSettings',
  'updateSettings',
  'appInfo',
  'exportRun',
  'importBundle',
  'exportLaunch',
  'createSweep',
  'listSweeps',
  'getSweep',
  'exportSweep',
  'cancelSweep',
] as const;
export type ApiMethod = (typeof API_METHODS)[number];

export const IPC_INVOKE_CHANNEL = 'benchtop:invoke';
export const IPC_PUSH_CHANNEL = 'benchtop:push';
