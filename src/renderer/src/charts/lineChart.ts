/** Moved to src/shared/charts (bundle SVGs build their plots with it too). */
export * from '../../../shared/charts/lineChart';
