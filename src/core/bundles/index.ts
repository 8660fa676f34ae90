/** Run bundles: export one run to a verifiable .zip and import it into another data folder
 * (ARCHITECTURE.md "Run bundle"). */
export { exportRunBundle, isModelWeightFile, type BundleDeps, type ExportOptions, type ExportResult } from './exportRun';
export { importRunBundle, DEFAULT_MAX_IMPORT_BYTES, IMPORTED_TAG, type ImportDeps, type ImportOptions } from './importBundle';
export { BUNDLE_FORMAT, parseManifest, type BundleManifest } from './manifest';
export { exportSweepBundle, importSweepBundle, isSweepBundle, SWEEP_BUNDLE_FORMAT, type SweepManifest } from './sweepBundle';
