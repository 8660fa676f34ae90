/**
 * A launch folder for a cluster trainer (TRL or verl) from a Benchtop sft or grpo run config:
 * the files and their contents, nothing written here (src/core/launch writes them). Pure.
 */
import { configLeaves } from './configFields';
import { completionRows, drawLaunchData, maxPromptTokensBound, SFT_TEST_PER_TASK, trlGrpoRows, verlGrpoRows } from './data';
import { grpoMapping } from './grpoMapping';
import { launchReadme, mappingMarkdown, type TargetPin } from './mappingDoc';
import { sftMapping } from './sftMapping';
import { accelerateConfigYaml, trlTrainPy } from './trl';
import { LAUNCH_KINDS, LaunchError, type LaunchFile, type LaunchKind, type LaunchTarget, type MappingRow } from './types';
import { overridesYaml, runVerlSh, toParquetPy, verlOverrides } from './verl';
import type { GrpoConfig } from '../../shared/config/grpo';
import type { SftConfig } from '../../shared/config/sft';

export * from './types';
export { configLeaves } from './configFields';
export { grpoRuleFields } from './grpoMapping';
export { sftRuleFields } from './sftMapping';
export { configKwargs, trlLaunchDefaults } from './trl';
export { verlLaunchDefaults, verlOverrides } from './verl';
export type { TargetPin } from './mappingDoc';

export interface LaunchInput {
  /** A validated sft or grpo config (other kinds are refused). */
  config: Record<string, unknown>;
  target: LaunchTarget;
  /** Label for headings, e.g. "run 2026-… (my grpo run)". */
  runLabel: string;
  /** The model as the target should load it (the resolved folder on this machine, or the config's reference). */
  model: string;
  /** benchtop_rewards.py, as shipped in resources/launch. */
  rewardsModule: string;
  /** The target's pinned sources (for MAPPING.md). */
  pins: readonly TargetPin[];
}

export interface LaunchFolder {
  files: LaunchFile[];
  rows: MappingRow[];
}

export function assertLaunchKind(kind: unknown): asserts kind is LaunchKind {
  if (!(LAUNCH_KINDS as readonly unknown[]).includes(kind)) {
    throw new LaunchError(`export-launch supports ${LAUNCH_KINDS.join(' and ')} runs; this run is a '${String(kind)}' run`);
  }
}

/** Rows for the config, plus a row for any config field the tables have no rule for (so MAPPING.md lists every field). */
function rowsFor(kind: LaunchKind, config: Record<string, unknown>, target: LaunchTarget, maxPrompt: number): MappingRow[] {
  const rows = kind === 'grpo' ? grpoMapping(config as GrpoConfig, target, { maxPromptTokens: maxPrompt }) : sftMapping(config as SftConfig, target);
  const covered = new Set(rows.map((r) => r.field));
  for (const leaf of configLeaves(config)) {
    if (!covered.has(leaf.field)) rows.push({ field: leaf.field, value: leaf.value, targets: [], note: 'no export rule for this field yet; carry it over by hand' });
  }
  return rows;
}

export function buildLaunchFolder(input: LaunchInput): LaunchFolder {
  const { config, target } = input;
  const kind = config.kind;
  assertLaunchKind(kind);
  const data =
    kind === 'grpo'
      ? (() => {
          const c = config as GrpoConfig;
          return drawLaunchData(c.tasks, c.seed, c.training.max_steps * c.prompts_per_step, c.eval_examples);
        })()
      : (() => {
          const c = config as SftConfig;
          return drawLaunchData(c.data.tasks, c.seed, c.training.max_steps * c.training.batch_size * c.training.gradient_accumulation_steps, SFT_TEST_PER_TASK);
        })();
  const rows = rowsFor(kind, config, target, maxPromptTokensBound(data.train));
  // The model row: the config's reference, written as the folder it resolved to.
  for (const r of rows) if (r.field === 'model') for (const t of r.targets) t.value = input.model;
  const header = `${kind === 'grpo' ? 'GRPO' : 'SFT'} launch for ${input.runLabel}, written by Benchtop export-launch.`;
  const families = [...new Set([...data.train, ...data.test].map((e) => e.task))];
  const files: LaunchFile[] = [
    { path: 'MAPPING.md', content: mappingMarkdown(target, input.runLabel, rows, input.pins) },
    { path: 'README.md', content: launchReadme({ target, runLabel: input.runLabel, notes: String(config.notes ?? ''), trainRows: data.train.length, testRows: data.test.length, wanted: data.wanted, families }) },
    { path: 'benchtop_rewards.py', content: input.rewardsModule },
  ];
  if (target === 'trl') {
    files.push(
      { path: 'train.py', content: trlTrainPy(kind, rows, header, input.model) },
      { path: 'accelerate_config.yaml', content: accelerateConfigYaml() },
      { path: 'data/train.jsonl', content: kind === 'grpo' ? trlGrpoRows(data.train) : completionRows(data.train) },
      { path: 'data/test.jsonl', content: kind === 'grpo' ? trlGrpoRows(data.test) : completionRows(data.test) },
    );
  } else {
    const overrides = verlOverrides(kind, rows, config.prompt_format === 'chat');
    files.push(
      { path: 'verl_overrides.yaml', content: overridesYaml(overrides, header) },
      { path: 'run_verl.sh', content: runVerlSh(kind, overrides) },
      { path: 'to_parquet.py', content: toParquetPy() },
      { path: 'data/train.jsonl', content: kind === 'grpo' ? verlGrpoRows(data.train, (config as GrpoConfig).reward_functions) : completionRows(data.train) },
      { path: 'data/test.jsonl', content: kind === 'grpo' ? verlGrpoRows(data.test, (config as GrpoConfig).reward_functions) : completionRows(data.test) },
    );
  }
  return { files, rows };
}
