/**
 * MAPPING.md (every Benchtop config field → the target field, or why it does not map) and the
 * launch folder's README.md.
 */
import type { LaunchTarget, MappingRow } from './types';

export interface TargetPin {
  repo: string;
  version: string;
  commit: string;
  path: string;
}

const cell = (v: unknown): string => {
  const s = v === undefined ? 'unset' : typeof v === 'string' ? v : JSON.stringify(v);
  return s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
};

export function mappingMarkdown(target: LaunchTarget, runLabel: string, rows: readonly MappingRow[], pins: readonly TargetPin[]): string {
  const mappedRows = rows.filter((r) => r.targets.length > 0);
  const open = rows.filter((r) => r.targets.length === 0);
  const targetName = target === 'trl' ? 'TRL' : 'verl';
  return [
    `# Benchtop → ${targetName}: ${runLabel}`,
    '',
    `Every field of the run's config, and where it went. Target field names were checked against`,
    `${targetName}'s config classes at these pinned versions:`,
    '',
    ...pins.map((p) => `* ${p.repo} ${p.version} (commit ${p.commit.slice(0, 12)}), \`${p.path}\``),
    '',
    `"code" means an argument in the written script or data rather than a config field.`,
    '',
    '## Fields that map',
    '',
    '| Benchtop field | value | target | target value | note |',
    '|---|---|---|---|---|',
    ...mappedRows.map((r) => `| \`${r.field}\` | ${cell(r.value)} | ${r.targets.map((t) => `\`${t.name}\`${t.place === 'code' ? ' (code)' : ''}`).join('<br>')} | ${r.targets.map((t) => cell(t.value)).join('<br>')} | ${cell(r.note)} |`),
    '',
    '## Fields that do not map',
    '',
    `What ${targetName} has no setting for, and what to add to get the same experiment.`,
    '',
    '| Benchtop field | value | what to do |',
    '|---|---|---|',
    ...open.map((r) => `| \`${r.field}\` | ${cell(r.value)} | ${cell(r.note)} |`),
    '',
  ].join('\n');
}

export function launchReadme(o: { target: LaunchTarget; runLabel: string; notes: string; trainRows: number; testRows: number; wanted: number; families: readonly string[] }): string {
  const trl = o.target === 'trl';
  return [
    `# ${o.runLabel} on a cluster (${trl ? 'TRL' : 'verl'})`,
    '',
    'Written by `benchtop export-launch`. A starting point to edit, not a finished job: check the',
    'model path, the GPU counts and MAPPING.md (settings with no counterpart) before launching.',
    '',
    '## Files',
    '',
    ...(trl
      ? ['* `train.py`: the trainer with every setting that maps.', '* `accelerate_config.yaml`: one node, 8 GPUs, bf16.']
      : ['* `verl_overrides.yaml`: the settings as verl config overrides.', '* `run_verl.sh`: the launch command with the same overrides.', '* `to_parquet.py`: converts `data/*.jsonl` to the parquet files verl reads.']),
    `* \`data/train.jsonl\` (${o.trainRows} rows) and \`data/test.jsonl\` (${o.testRows} rows): drawn from Benchtop's generators with the run's seed and task options (${o.families.join(', ')}).`,
    ...(o.wanted > o.trainRows ? [`  The run would draw ${o.wanted} train examples; the file holds the first ${o.trainRows}, so a longer run repeats them.`] : []),
    '* `benchtop_rewards.py`: Benchtop\'s verifiers in Python (standard library only); the same correctness and reward as Benchtop.',
    '* `MAPPING.md`: each Benchtop field → its target field, and what does not map.',
    '',
    '## Run',
    '',
    ...(trl
      ? ['```sh', 'pip install trl peft accelerate datasets', 'accelerate launch --config_file accelerate_config.yaml train.py', '```']
      : ['```sh', 'python3 to_parquet.py', 'sh run_verl.sh', '```']),
    '',
    '## Check the rewards',
    '',
    '`python3 benchtop_rewards.py FILE.jsonl` scores lines of `{"example": ..., "response": ...}`.',
    ...(o.notes ? ['', '## Run notes', '', o.notes] : []),
    '',
  ].join('\n');
}
