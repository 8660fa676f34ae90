/// <reference types="vite/client" />
/**
 * The results views of the run page, found by file name: a kind module names its view
 * (`results.view` in src/shared/kinds/<kind>.ts) and this folder holds `<view>.vue`. Every view
 * takes the same props (ResultsViewProps), so the page never switches on the kind.
 */
import type { Component } from 'vue';
import { isRunKind, kindModule, type KindResultsView } from '@shared/kinds';

const VIEWS = import.meta.glob<Component>('./*.vue', { eager: true, import: 'default' });

export function viewComponent(name: string): Component | null {
  return VIEWS[`./${name}.vue`] ?? null;
}

/** The kind's results section and its component, or null (unknown kind, no view, view missing). */
export function resultsViewOf(kind: string): { spec: KindResultsView; component: Component } | null {
  if (!isRunKind(kind)) return null;
  const spec = kindModule(kind).results;
  const component = spec ? viewComponent(spec.view) : null;
  return spec && component ? { spec, component } : null;
}
