import { defineStore } from 'pinia';
import { ref } from 'vue';
import type { DatasetEntry } from '@shared/records';
import type { DatasetExample, JsonlFieldMapping } from '@shared/datasets';
import { errorMessage, useApi } from '../api';

/** Examples shown for one dataset, fetched on demand. */
export interface DatasetPreview {
  seed: number;
  examples: DatasetExample[];
  loading: boolean;
  error: string | null;
}

export const PREVIEW_COUNT = 3;

export const useDatasetsStore = defineStore('datasets', () => {
  const datasets = ref<DatasetEntry[]>([]);
  const loading = ref(false);
  const loaded = ref(false);
  const error = ref<string | null>(null);
  const previews = ref<Record<string, DatasetPreview>>({});

  async function load(): Promise<void> {
    loading.value = true;
    try {
      datasets.value = await useApi().listDatasets();
      error.value = null;
      loaded.value = true;
    } catch (err) {
      error.value = `Could not load datasets: ${errorMessage(err)}`;
    } finally {
      loading.value = false;
    }
  }

  /** Fetch `PREVIEW_COUNT` examples of a dataset (generated with `seed` for built-in tasks). */
  async function preview(id: string, seed = 0): Promise<void> {
    const before = previews.value[id];
    previews.value = { ...previews.value, [id]: { seed, examples: before?.examples ?? [], loading: true, error: null } };
    try {
      const examples = await useApi().previewDataset(id, { count: PREVIEW_COUNT, seed });
      previews.value = { ...previews.value, [id]: { seed, examples, loading: false, error: null } };
    } catch (err) {
      previews.value = { ...previews.value, [id]: { seed, examples: [], loading: false, error: `Could not preview ${id}: ${errorMessage(err)}` } };
    }
  }

  function hidePreview(id: string): void {
    const { [id]: _gone, ...rest } = previews.value;
    previews.value = rest;
  }

  /** Import a JSONL file; rejects with the backend's message (file, line, field) on a bad row. */
  async function importJsonl(path: string, mapping: JsonlFieldMapping, name: string): Promise<DatasetEntry> {
    const entry = await useApi().importDataset(path, mapping, name);
    datasets.value = [...datasets.value.filter((d) => d.id !== entry.id), entry];
    hidePreview(entry.id);
    return entry;
  }

  async function remove(id: string): Promise<void> {
    await useApi().removeDataset(id);
    datasets.value = datasets.value.filter((d) => d.id !== id);
    hidePreview(id);
  }

  return { datasets, loading, loaded, error, previews, load, preview, hidePreview, importJsonl, remove };
});
