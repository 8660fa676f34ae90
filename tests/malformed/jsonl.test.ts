/**
 * Malformed JSONL datasets: each import is refused whole with an error naming the file (and the
 * line and field when one is at fault), and the catalog, the datasets folder and the source file
 * are unchanged. Text the tokenizer cannot read imports with a warning naming the share.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonlFieldMapping } from '../../src/shared/datasets';
import { MAX_JSONL_ROW_BYTES } from '../../src/core/datasets';
import { openTestBackend, tempDir, type TestBackend } from '../core/support/backend';
import { expectUnchanged, snapshot } from './support';

let tb: TestBackend;
let scratch: { dir: string; cleanup(): void };
beforeAll(async () => {
  tb = await openTestBackend({ execute: false });
  scratch = tempDir('benchtop-malformed-jsonl-');
  // One good dataset first, so "unchanged" covers an existing entry and file.
  const good = join(scratch.dir, 'good.jsonl');
  writeFileSync(good, '{"question": "1+1", "answer": "2"}\n{"question": "2+2", "answer": "4"}\n');
  await tb.backend.handlers.importDataset(good, { prompt: 'question', answer: 'answer' }, 'good_set');
});
afterAll(async () => {
  await tb.close();
  scratch.cleanup();
});

const QA: JsonlFieldMapping = { prompt: 'question', answer: 'answer' };
const MC: JsonlFieldMapping = { prompt: 'question', choices: 'choices', label: 'label' };
const row = (o: unknown) => JSON.stringify(o);
const good = row({ question: 'q', answer: 'a' });

interface Case {
  name: string;
  /** File name (its extension matters) and content; a function for things that are not plain files. */
  file: string;
  content: string | Buffer | ((path: string) => void);
  mapping?: JsonlFieldMapping;
  message: RegExp;
}

const CASES: Case[] = [
  { name: 'a line that is not JSON', file: 'a.jsonl', content: `${good}\n{"question": "q",\n`, message: /a\.jsonl line 2: not valid JSON/ },
  { name: 'a row that is a list', file: 'b.jsonl', content: `${good}\n[1, 2]\n`, message: /b\.jsonl line 2: expected a JSON object, got an array/ },
  { name: 'a row that is a string', file: 'c.jsonl', content: `"just text"\n`, message: /c\.jsonl line 1: expected a JSON object, got a string/ },
  { name: 'a row that is null', file: 'd.jsonl', content: `null\n`, message: /d\.jsonl line 1: expected a JSON object, got null/ },
  { name: 'the prompt field missing', file: 'e.jsonl', content: `${good}\n${row({ answer: 'a' })}\n`, message: /e\.jsonl line 2: .*'question'/ },
  { name: 'the prompt a number', file: 'f.jsonl', content: row({ question: 7, answer: 'a' }), message: /f\.jsonl line 1: .*'question'/ },
  { name: 'the prompt an object', file: 'g.jsonl', content: row({ question: { t: 1 }, answer: 'a' }), message: /g\.jsonl line 1: .*'question'/ },
  { name: 'the answer missing', file: 'h.jsonl', content: row({ question: 'q' }), message: /h\.jsonl line 1: .*'answer'/ },
  { name: 'the answer null', file: 'i.jsonl', content: row({ question: 'q', answer: null }), message: /i\.jsonl line 1: .*'answer'/ },
  { name: 'an empty file', file: 'j.jsonl', content: '', message: /j\.jsonl.*no rows/ },
  { name: 'only blank lines', file: 'k.jsonl', content: '\n\n   \n', message: /k\.jsonl.*no rows/ },
  { name: 'choices not a list', file: 'l.jsonl', content: row({ question: 'q', choices: 'a,b', label: 0 }), mapping: MC, message: /l\.jsonl line 1: .*'choices'/ },
  { name: 'a label past the choices', file: 'm.jsonl', content: row({ question: 'q', choices: ['a', 'b'], label: 5 }), mapping: MC, message: /m\.jsonl line 1: .*'label'/ },
  { name: 'a negative label', file: 'n.jsonl', content: row({ question: 'q', choices: ['a', 'b'], label: -1 }), mapping: MC, message: /n\.jsonl line 1: .*'label'/ },
  { name: 'a label that is none of the choices', file: 'o.jsonl', content: row({ question: 'q', choices: ['a', 'b'], label: 'c' }), mapping: MC, message: /o\.jsonl line 1: .*'label'/ },
  { name: 'a label missing', file: 'p.jsonl', content: row({ question: 'q', choices: ['a', 'b'] }), mapping: MC, message: /p\.jsonl line 1: .*'label'/ },
  { name: 'an unknown split value', file: 'q.jsonl', content: row({ question: 'q', answer: 'a', split: 'dev' }), mapping: { ...QA, split: 'split' }, message: /q\.jsonl line 1: .*'split'/ },
  { name: 'a knob that is an object', file: 'r.jsonl', content: row({ question: 'q', answer: 'a', level: { x: 1 } }), mapping: { ...QA, metadata: ['level'] }, message: /r\.jsonl line 1: .*'level'/ },
  { name: 'a row longer than a row may be', file: 's.jsonl', content: `${good}\n${row({ question: 'x'.repeat(MAX_JSONL_ROW_BYTES + 10), answer: 'a' })}\n`, message: /s\.jsonl line 2: a row of 1024 KiB, more than the 1024 KiB a row may hold/ },
  { name: 'a file that is not named like JSONL', file: 'secrets.key', content: good, message: /secrets\.key: expected a \.jsonl file/ },
  { name: 'a file that does not exist', file: 'missing.jsonl', content: () => undefined, message: /missing\.jsonl: no such file/ },
  { name: 'a folder named like JSONL', file: 'folder.jsonl', content: (p) => mkdirSync(p), message: /folder\.jsonl: not a regular file/ },
  { name: 'a truncated last row', file: 't.jsonl', content: `${good}\n{"question": "q", "ans`, message: /t\.jsonl line 2: not valid JSON/ },
  { name: 'a byte-order mark followed by a bad row', file: 'u.jsonl', content: `\uFEFF[1]\n`, message: /u\.jsonl line 1: expected a JSON object/ },
  { name: 'an id that is an object', file: 'v.jsonl', content: row({ question: 'q', answer: 'a', uid: { a: 1 } }), mapping: { ...QA, id: 'uid' }, message: /v\.jsonl line 1: .*'uid'/ },
];

describe('malformed JSONL datasets', () => {
  it(`has a broad table (${CASES.length} cases)`, () => {
    expect(CASES.length).toBeGreaterThanOrEqual(25);
  });

  CASES.forEach((c, i) => {
    it(`${c.name}: refused with the file named; nothing is imported`, async () => {
      const dir = join(scratch.dir, `case-${i}`);
      mkdirSync(dir, { recursive: true });
      const path = join(dir, c.file);
      if (typeof c.content === 'function') c.content(path);
      else writeFileSync(path, c.content);
      const { store, handlers } = tb.backend;
      const before = snapshot(store, [tb.dir, dir]);
      const err = await handlers.importDataset(path, c.mapping ?? QA, `set_${i}`).then(() => null, (e: Error) => e);
      expect(err, `${c.name}: imported`).toBeInstanceOf(Error);
      expect(err!.message).toMatch(c.message);
      expect(err!.message).toMatch(/nothing was imported/);
      const inspected = await handlers.inspectJsonl(path, c.mapping ?? QA);
      expect(inspected.examples.length === 0 || inspected.problem === null).toBe(true);
      expectUnchanged(store, before, c.name);
    });
  });

  it('imports text the tokenizer cannot read, with a warning naming the share of U+FFFD and unknown characters', async () => {
    const path = join(scratch.dir, 'latin1.jsonl');
    // "café" in Latin-1: the é byte (0xE9) is not UTF-8 and decodes to U+FFFD.
    const rows = Array.from({ length: 20 }, (_, i) => Buffer.concat([Buffer.from(`{"question": "caf`), Buffer.from([0xe9]), Buffer.from(` ${i} \u4e2d\u6587", "answer": "ok"}\n`)]));
    writeFileSync(path, Buffer.concat(rows));
    const entry = await tb.backend.handlers.importDataset(path, QA, 'latin1_set');
    const warnings = entry.info.warnings as string[];
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^latin1\.jsonl: \d+(\.\d+)?% of its characters are U\+FFFD replacement characters \(invalid UTF-8 in the source file\); \d+(\.\d+)?% of its tokens are unknown to the built-in model's tokenizer \(e\.g\. "\uFFFD", "\u4e2d", "\u6587"\)/);
    const cov = entry.info.coverage as { replacementShare: number; unknownShare: number; chars: number; tokens: number };
    // Counted by hand: each row is "caf\uFFFD N 中文" + "ok": one U+FFFD and three unknown characters (U+FFFD, 中, 文).
    const chars = rows.reduce((s, _r, i) => s + `caf\uFFFD ${i} \u4e2d\u6587ok`.length, 0);
    expect(cov.chars).toBe(chars);
    expect(cov.replacementShare).toBeCloseTo(20 / chars, 12);
    expect(cov.unknownShare).toBeCloseTo(60 / cov.tokens, 12);
    const inspected = await tb.backend.handlers.inspectJsonl(path, QA);
    expect(inspected.warnings?.[0]).toMatch(/U\+FFFD/);
  });
});
