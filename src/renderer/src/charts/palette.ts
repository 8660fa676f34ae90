/** Chart palettes live in src/shared/charts (the bundles draw with them too). */
export * from '../../../shared/charts/palette';
