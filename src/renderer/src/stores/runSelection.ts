import { defineStore } from 'pinia';
import { computed, ref } from 'vue';
import { canCompare } from '../compare/compareIds';

/**
 * Runs ticked on the Runs page for comparison. Kept apart from the list so a selection survives
 * filtering (a ticked run hidden by a filter stays ticked) and a trip to the compare page and back.
 * Ids are kept in the order they were ticked, which is the order of the comparison.
 */
export const useRunSelectionStore = defineStore('runSelection', () => {
  const ids = ref<string[]>([]);
  const count = computed(() => ids.value.length);
  const comparable = computed(() => canCompare(ids.value.length));

  function has(id: string): boolean {
    return ids.value.includes(id);
  }

  function toggle(id: string, on = !has(id)): void {
    if (on && !has(id)) ids.value = [...ids.value, id];
    else if (!on && has(id)) ids.value = ids.value.filter((x) => x !== id);
  }

  /** Tick (or untick) several at once, e.g. every run shown. */
  function setMany(list: readonly string[], on: boolean): void {
    if (on) ids.value = [...ids.value, ...list.filter((id) => !ids.value.includes(id))];
    else ids.value = ids.value.filter((id) => !list.includes(id));
  }

  function clear(): void {
    ids.value = [];
  }

  return { ids, count, comparable, has, toggle, setMany, clear };
});
