/**
 * The verl launch files: the overrides as nested YAML (verl_overrides.yaml), the same overrides
 * on a launch command line (run_verl.sh; verl reads Hydra `key=value` overrides), and a
 * converter from the written JSONL to the parquet files verl loads.
 */
import { stringify } from 'yaml';
import { configKwargs } from './trl';
import type { LaunchKind, MappingRow, TargetField } from './types';

/** Cluster settings the launch adds (edit freely). */
export function verlLaunchDefaults(kind: LaunchKind, chatPrompts = false): TargetField[] {
  const c = (name: string, value: unknown): TargetField => ({ name, value, place: 'config' });
  if (kind === 'grpo') {
    return [
      c('algorithm.adv_estimator', 'grpo'),
      c('data.val_files', 'data/test.parquet'),
      c('data.prompt_key', 'prompt'),
      // Plain prompts are text after <bos>, no chat turns: a pass-through template keeps them so.
      ...(chatPrompts ? [] : [c('actor_rollout_ref.model.custom_chat_template', "{{ bos_token }}{% for m in messages %}{{ m['content'] }}{% endfor %}")]),
      // Log-prob micro-batches have no Benchtop counterpart; verl needs them set.
      c('actor_rollout_ref.rollout.log_prob_micro_batch_size_per_gpu', 8),
      c('actor_rollout_ref.ref.log_prob_micro_batch_size_per_gpu', 8),
      c('trainer.n_gpus_per_node', 8),
      c('trainer.nnodes', 1),
      c('trainer.logger', ['console']),
    ];
  }
  return [c('data.val_files', 'data/test.parquet'), c('trainer.n_gpus_per_node', 8), c('trainer.nnodes', 1), c('trainer.logger', ['console'])];
}

export function verlOverrides(kind: LaunchKind, rows: readonly MappingRow[], chatPrompts = false): [string, unknown][] {
  return configKwargs(rows, verlLaunchDefaults(kind, chatPrompts));
}

/** Dotted overrides → nested YAML. */
export function overridesYaml(overrides: readonly [string, unknown][], header: string): string {
  const root: Record<string, unknown> = {};
  for (const [path, v] of overrides) {
    const keys = path.split('.');
    let node = root;
    for (const k of keys.slice(0, -1)) node = (node[k] ??= {}) as Record<string, unknown>;
    node[keys.at(-1)!] = v;
  }
  return header.split('\n').map((l) => `# ${l}`.trimEnd()).join('\n') + '\n' + stringify(root);
}

/** A Hydra command-line value: lists as [a,b], strings quoted when they hold special characters. */
function hydraValue(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(hydraValue).join(',')}]`;
  if (typeof v === 'string') return /^[\w./-]+$/.test(v) ? v : `'${JSON.stringify(v).slice(1, -1).replace(/'/g, "\\'")}'`;
  if (v === null || v === undefined) return 'null';
  return String(v);
}

export function runVerlSh(kind: LaunchKind, overrides: readonly [string, unknown][]): string {
  const entry = kind === 'grpo' ? 'python3 -m verl.trainer.main_ppo' : 'torchrun --standalone --nnodes=1 --nproc_per_node=8 -m verl.trainer.fsdp_sft_trainer';
  const args = overrides.map(([k, v]) => `  ${shellQuote(`${k}=${hydraValue(v)}`)}`);
  return [
    '#!/bin/sh',
    '# Launch written by Benchtop export-launch; the same settings as verl_overrides.yaml.',
    '# First: python3 to_parquet.py   (writes data/*.parquet from the JSONL files)',
    'set -e',
    'cd "$(dirname "$0")"',
    `${entry} \\`,
    args.join(' \\\n'),
    '',
  ].join('\n');
}

function shellQuote(s: string): string {
  return /^[\w./=,:+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function toParquetPy(): string {
  return [
    '"""Convert the launch folder\'s JSONL data to the parquet files verl reads (pandas + pyarrow,',
    'both installed with verl). Run once: python3 to_parquet.py"""',
    'import pandas as pd',
    '',
    'for split in ("train", "test"):',
    '    frame = pd.read_json(f"data/{split}.jsonl", lines=True, dtype=False)',
    '    frame.to_parquet(f"data/{split}.parquet")',
    '    print(f"data/{split}.parquet: {len(frame)} rows")',
    '',
  ].join('\n');
}
