#!/usr/bin/env node
/**
 * Records the config field names of the cluster trainers `benchtop export-launch` writes for
 * (TRL and verl), read from their public source at a pinned commit, into
 * resources/launch/targets/*.json. The exporter's test checks every field name it emits against
 * these lists, so a rename upstream shows up as a failing test when the pin is moved.
 *
 *   node scripts/launch-targets.mjs --trl <trl git dir> --verl <verl git dir> \
 *        [--training-args <path to transformers/src/transformers/training_args.py> --transformers-commit <sha>]
 *
 * Git dirs are read with `git show HEAD:<path>` (a bare mirror has no work tree). Only field
 * names are recorded (no code, no help text).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', 'resources', 'launch', 'targets');

function arg(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

const git = (dir, ...a) => execFileSync('git', ['-C', dir, ...a], { encoding: 'utf8', maxBuffer: 64 << 20 });
const show = (dir, path) => git(dir, 'show', `HEAD:${path}`);
const head = (dir) => git(dir, 'rev-parse', 'HEAD').trim();

/**
 * Field names of one dataclass in a Python source: the `name: type = ...` / `name: type` lines
 * at the class body's indentation, from `class <name>` to the next top-level statement.
 */
export function dataclassFields(source, className) {
  const lines = source.split('\n');
  const start = lines.findIndex((l) => new RegExp(`^class ${className}\\b`).test(l));
  if (start < 0) throw new Error(`class ${className} not found`);
  const fields = [];
  let inDoc = false;
  for (let i = start + 1; i < lines.length; i++) {
    const l = lines[i];
    if (/^\S/.test(l)) break; // next top-level statement
    // Docstrings hold "name: text" lines too; skip them.
    const quotes = (l.match(/"""/g) ?? []).length;
    if (inDoc || quotes > 0) {
      if (quotes % 2 === 1) inDoc = !inDoc;
      continue;
    }
    const m = /^ {4}([A-Za-z][A-Za-z0-9_]*)\s*:\s*[^=]+(=|$)/.exec(l);
    if (m && !l.trimStart().startsWith('#')) fields.push(m[1]);
  }
  return [...new Set(fields)];
}

/** Dotted paths of every key in a YAML mapping (leaves and the mappings above them). */
export function yamlPaths(doc, prefix = '') {
  const out = [];
  if (doc && typeof doc === 'object' && !Array.isArray(doc)) {
    for (const [k, v] of Object.entries(doc)) {
      const p = prefix ? `${prefix}.${k}` : k;
      out.push(p, ...yamlPaths(v, p));
    }
  }
  return out;
}

function write(name, record) {
  writeFileSync(join(OUT, `${name}.json`), JSON.stringify(record, null, 2) + '\n');
  console.log(`${name}.json: ${record.fields.length} fields (${record.repo} @ ${record.commit.slice(0, 10)})`);
}

function main() {
  const trl = arg('trl');
  if (trl) {
    const commit = head(trl);
    const version = show(trl, 'VERSION').trim();
    for (const [name, path, cls] of [
      ['trl-grpo-config', 'trl/trainer/grpo_config.py', 'GRPOConfig'],
      ['trl-sft-config', 'trl/trainer/sft_config.py', 'SFTConfig'],
      ['trl-base-config', 'trl/trainer/base_config.py', '_BaseConfig'],
    ]) {
      write(name, { repo: 'huggingface/trl', version, commit, path, class: cls, fields: dataclassFields(show(trl, path), cls) });
    }
  }

  const verl = arg('verl');
  if (verl) {
    const commit = head(verl);
    const version = show(verl, 'verl/version/version').trim();
    for (const [name, path] of [
      ['verl-ppo-trainer', 'verl/trainer/config/_generated_ppo_trainer.yaml'],
      ['verl-sft-trainer', 'verl/trainer/config/sft_trainer.yaml'],
    ]) {
      write(name, { repo: 'volcengine/verl', version, commit, path, fields: yamlPaths(parse(show(verl, path))) });
    }
  }

  const ta = arg('training-args');
  if (ta) {
    const commit = arg('transformers-commit') ?? 'unknown';
    const path = 'src/transformers/training_args.py';
    write('transformers-training-args', {
      repo: 'huggingface/transformers',
      version: arg('transformers-version') ?? 'unknown',
      commit,
      path,
      class: 'TrainingArguments',
      fields: dataclassFields(readFileSync(ta, 'utf8'), 'TrainingArguments'),
    });
  }
  if (!trl && !verl && !ta) {
    console.error('usage: node scripts/launch-targets.mjs --trl <git dir> --verl <git dir> [--training-args <file> --transformers-commit <sha>]');
    process.exit(2);
  }
}

// Run only as a script (tests import the extractors).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
