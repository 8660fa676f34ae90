/**
 * The New-run editor's live preflight: when the config changes (and passes the schema checks the
 * page runs itself), ask the backend to check it as createRun will (src/core/preflight.ts: the
 * model folder loads, the tasks and their options exist, the lengths fit, output_dir is safe),
 * after a pause in typing. Issues show beside their fields; warnings in a list above the form.
 */
import { onBeforeUnmount, ref, watch, type Ref } from 'vue';
import type { ConfigIssue } from '@shared/config';
import { useApi } from '../api';

export const PREFLIGHT_DELAY_MS = 400;

export function usePreflight(config: Ref<Record<string, unknown>>, schemaOk: Ref<boolean>, delayMs = PREFLIGHT_DELAY_MS) {
  const issues = ref<ConfigIssue[]>([]);
  const warnings = ref<ConfigIssue[]>([]);
  const checking = ref(false);
  let timer: ReturnType<typeof setTimeout> | null = null;
  let seq = 0;
  let alive = true;

  async function check(): Promise<void> {
    timer = null;
    const mine = ++seq;
    if (!schemaOk.value) {
      issues.value = [];
      warnings.value = [];
      return;
    }
    checking.value = true;
    try {
      const res = await useApi().validateConfig(JSON.parse(JSON.stringify(config.value)));
      if (mine !== seq || !alive) return;
      issues.value = res.ok ? [] : res.issues;
      warnings.value = res.warnings ?? [];
    } catch {
      // The backend is unreachable: the submit check reports it.
    } finally {
      if (mine === seq) checking.value = false;
    }
  }

  /** Forget the last verdict (the value changed) and check again after a pause. */
  function schedule(): void {
    seq++;
    issues.value = [];
    warnings.value = [];
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void check(), delayMs);
  }

  watch(config, schedule, { deep: true, immediate: true });
  onBeforeUnmount(() => {
    alive = false;
    if (timer) clearTimeout(timer);
  });
  return { issues, warnings, checking, schedule, checkNow: check };
}
