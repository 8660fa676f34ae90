/**
 * `benchtop score` and `benchtop generate` end to end (`node bin/benchtop.mjs …` in a child
 * process, BENCHTOP_HOME in a temp dir) on a folder written by initModelFolder; log-probs are
 * checked against the float64 reference decoder.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../support/cliProcess';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelFolder } from '../../../src/engine/model/folder';
import { referenceForward } from '../model/referenceDecoder';
import { tempDir } from '../../core/support/backend';
import { tinyFolder } from './tinyModel';


let folder: ModelFolder;
let home: { dir: string; cleanup(): void };
let cleanupModel: () => void;
beforeAll(async () => {
  ({ folder, cleanup: cleanupModel } = await tinyFolder());
  home = tempDir('benchtop-gen-home-');
});
afterAll(() => {
  cleanupModel();
  home.cleanup();
});

function cli(args: string[]) {
  return runCli(home.dir, args);
}

/** Reference log p(ids[t] | ids[<t]) for t ≥ 1. */
function refLogprobs(ids: number[]): number[] {
  const logits = referenceForward(folder.config, folder.weights, [ids]).logits[0]!;
  return ids.slice(1).map((id, t) => {
    const row = logits[t]!;
    const m = Math.max(...row);
    return row[id]! - m - Math.log(row.reduce((z, v) => z + Math.exp(v - m), 0));
  });
}

describe('benchtop score', () => {
  it('writes tokens and log-probs per line (first null) matching the reference', async () => {
    const input = join(home.dir, 'in.jsonl');
    const output = join(home.dir, 'out.jsonl');
    writeFileSync(input, ['{"text": "12+3=15"}', '', '{"prompt": "Q: hi", "completion": " yes"}'].join('\n'));
    const r = await cli(['score', '--model', folder.dir, '--input', input, '--output', output]);
    expect(r.stderr).toContain('scored 2 lines');
    expect(r.code).toBe(0);
    const lines = readFileSync(output, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { tokens: number[]; logprobs: (number | null)[] });
    expect(lines).toHaveLength(2);
    const tk = folder.tokenizer;
    expect(lines[0]!.tokens).toEqual([tk.bosId, ...tk.encode('12+3=15')]);
    expect(lines[1]!.tokens).toEqual([tk.bosId, ...tk.encode('Q: hi'), ...tk.encode(' yes')]);
    for (const l of lines) {
      expect(l.logprobs[0]).toBeNull();
      refLogprobs(l.tokens).forEach((v, i) => expect(Math.abs((l.logprobs[i + 1] as number) - v)).toBeLessThan(1e-4));
    }
  });

  it('names the bad line', async () => {
    const input = join(home.dir, 'bad.jsonl');
    writeFileSync(input, '{"text": "ok"}\n{"prompt": "no completion"}\n');
    const r = await cli(['score', '--model', folder.dir, '--input', input]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('bad.jsonl line 2: expected {"text": string} or {"prompt": string, "completion": string}');
    const r2 = await cli(['score', '--input', input]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toContain('--model DIR is required');
  });
});

describe('benchtop generate', () => {
  it('samples reproducibly with a seed; log-probs match the reference along the sampled tokens', async () => {
    const args = ['generate', '--model', folder.dir, '--prompt', '1+2=', '--max-new-tokens', '6', '--temperature', '0.9', '--top-k', '20', '--seed', '7', '--num-samples', '2', '--json'];
    const a = await cli(args);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    const b = await cli(args);
    expect(b.stdout).toBe(a.stdout);
    const samples = a.stdout.trim().split('\n').map((l) => JSON.parse(l) as { text: string; tokens: number[]; logprobs: number[]; finish_reason: string });
    expect(samples).toHaveLength(2);
    const prompt = [folder.tokenizer.bosId!, ...folder.tokenizer.encode('1+2=')];
    for (const s of samples) {
      expect(s.tokens.length).toBeGreaterThan(0);
      const ref = refLogprobs([...prompt, ...s.tokens]).slice(prompt.length - 1);
      s.logprobs.forEach((v, i) => expect(Math.abs(v - ref[i]!)).toBeLessThan(1e-4));
    }
    const plain = await cli(['generate', '--model', folder.dir, '--prompt', 'x', '--max-new-tokens', '3', '--temperature', '0']);
    expect(plain.code).toBe(0);
    expect(plain.stdout.length).toBeGreaterThan(0);
    // Through the chat template on request: the log-probs follow the rendered prompt's ids.
    const chat = await cli(['generate', '--model', folder.dir, '--prompt', '1+2=', '--max-new-tokens', '4', '--seed', '3', '--prompt-format', 'chat', '--json']);
    expect(chat.code).toBe(0);
    const chatPrompt = folder.tokenizer.encode('<bos>user: 1+2=\nassistant: ');
    const cs = JSON.parse(chat.stdout.trim().split('\n')[0]!) as { tokens: number[]; logprobs: number[] };
    const chatRef = refLogprobs([...chatPrompt, ...cs.tokens]).slice(chatPrompt.length - 1);
    cs.logprobs.forEach((v, i) => expect(Math.abs(v - chatRef[i]!)).toBeLessThan(1e-4));
    const badFormat = await cli(['generate', '--model', folder.dir, '--prompt', 'x', '--prompt-format', 'yaml']);
    expect(badFormat.code).toBe(2);
    expect(badFormat.stderr).toContain("--prompt-format: expected chat or plain, got 'yaml'");
    const bad = await cli(['generate', '--model', folder.dir, '--prompt', 'x', '--top-p', '1.5']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('top_p: expected a number in (0, 1]');
  });
});
