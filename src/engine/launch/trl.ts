/**
 * The TRL launch files: train.py (GRPOConfig/GRPOTrainer or SFTConfig/SFTTrainer with every
 * mapped knob) and an accelerate config for one node. Config keyword arguments come only from
 * the mapping rows (their 'config' targets) and the few launch defaults below, so the test that
 * checks names against the recorded TRL/transformers fields covers everything written.
 */
import { pyLiteral } from './python';
import type { LaunchKind, MappingRow, TargetField } from './types';

/** Settings the launch adds that Benchtop has no field for (cluster defaults; edit freely). */
export function trlLaunchDefaults(): TargetField[] {
  const d: TargetField[] = [
    { name: 'bf16', value: true, place: 'config' },
    { name: 'report_to', value: 'none', place: 'config' },
  ];
  return d;
}

/** The config keyword arguments: each target name once (rows that share one, e.g. betas, agree). */
export function configKwargs(rows: readonly MappingRow[], extra: readonly TargetField[]): [string, unknown][] {
  const kw = new Map<string, unknown>();
  for (const f of [...rows.flatMap((r) => r.targets), ...extra]) if (f.place === 'config') kw.set(f.name, f.value);
  return [...kw];
}

function codeValue(rows: readonly MappingRow[], name: string): unknown {
  for (const r of rows) for (const t of r.targets) if (t.name === name && t.place === 'code') return t.value;
  return undefined;
}

export function trlTrainPy(kind: LaunchKind, rows: readonly MappingRow[], header: string, model: string): string {
  const kwargs = configKwargs(rows, trlLaunchDefaults());
  const lora = codeValue(rows, 'peft_config=LoraConfig(...)') === true;
  const cls = kind === 'grpo' ? 'GRPO' : 'SFT';
  const lines = [
    `"""${header}`,
    '',
    'Run:  accelerate launch --config_file accelerate_config.yaml train.py',
    'MAPPING.md says where every Benchtop setting went and what has no TRL counterpart.',
    '"""',
    'from datasets import load_dataset',
    ...(lora ? ['from peft import LoraConfig'] : []),
    `from trl import ${cls}Config, ${cls}Trainer`,
    '',
    ...(kind === 'grpo' ? ['import benchtop_rewards', ''] : []),
    '# The model this run started from, as a path on the workstation: copy it or use a Hub id.',
    `MODEL = ${pyLiteral(model)}`,
    '',
    '',
    'def main():',
    '    train = load_dataset("json", data_files="data/train.jsonl", split="train")',
    '    test = load_dataset("json", data_files="data/test.jsonl", split="train")',
    `    args = ${cls}Config(`,
    ...kwargs.map(([k, v]) => `        ${k}=${pyLiteral(v)},`),
    '    )',
  ];
  if (lora) {
    lines.push(
      '    peft_config = LoraConfig(',
      `        r=${pyLiteral(codeValue(rows, 'LoraConfig.r'))},`,
      `        lora_alpha=${pyLiteral(codeValue(rows, 'LoraConfig.lora_alpha'))},`,
      `        target_modules=${pyLiteral(codeValue(rows, 'LoraConfig.target_modules'))},`,
      '        task_type="CAUSAL_LM",',
      '    )',
    );
  }
  lines.push(
    `    trainer = ${cls}Trainer(`,
    '        model=MODEL,',
    ...(kind === 'grpo' ? [`        reward_funcs=[${(codeValue(rows, 'reward_funcs') as string[]).map((f) => `benchtop_rewards.${f}`).join(', ')}],`] : []),
    '        args=args,',
    '        train_dataset=train,',
    '        eval_dataset=test,',
    ...(lora ? ['        peft_config=peft_config,'] : []),
    '    )',
    '    trainer.train()',
    '    trainer.save_model(args.output_dir)',
    '',
    '',
    'if __name__ == "__main__":',
    '    main()',
    '',
  );
  return lines.join('\n');
}

/** One node, all its GPUs, bf16; change num_machines/num_processes (and add DeepSpeed/FSDP) to scale. */
export function accelerateConfigYaml(): string {
  return [
    '# accelerate config for one node with 8 GPUs (data parallel). Edit num_processes to your GPU',
    '# count; for more nodes set num_machines, machine_rank and main_process_ip per node; for',
    '# large models switch distributed_type to DEEPSPEED or FSDP and add their section.',
    'compute_environment: LOCAL_MACHINE',
    'distributed_type: MULTI_GPU',
    'mixed_precision: bf16',
    'num_machines: 1',
    'machine_rank: 0',
    'num_processes: 8',
    'gpu_ids: all',
    'use_cpu: false',
    '',
  ].join('\n');
}
