/** Every run kind Benchtop knows: derived from the kind modules in src/shared/kinds. */
export { RUN_KINDS, RUN_KIND_LABELS, isRunKind, type RunKind } from '../kinds';
