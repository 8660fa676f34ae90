/**
 * The run's rows as bundle files and back: metrics.csv / metrics.jsonl (key, step, value, time),
 * events.jsonl and samples.jsonl. JSON has no NaN or ±Infinity, so those metric values are the
 * strings "NaN", "Infinity", "-Infinity" in both files (the same tokens JavaScript prints).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { StringDecoder } from 'node:string_decoder';
import { z } from 'zod';
import type { EventLevel, MetricPoint, RunEvent, SampleRecord } from '../../shared/records';

export const METRICS_CSV = 'metrics.csv';
export const METRICS_JSONL = 'metrics.jsonl';
export const EVENTS_JSONL = 'events.jsonl';
export const SAMPLES_JSONL = 'samples.jsonl';
export const CONFIG_YAML = 'config.yaml';

const encodeValue = (v: number): number | string => (Number.isFinite(v) ? v : String(v));

export function metricJsonLine(p: MetricPoint): string {
  return JSON.stringify({ key: p.key, step: p.step, value: encodeValue(p.value), time: p.time }) + '\n';
}

/** RFC 4180 field: quoted when it holds a comma, quote or line break. */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const METRICS_CSV_HEADER = 'key,step,value,time\n';

export function metricCsvLine(p: MetricPoint): string {
  return `${csvField(p.key)},${p.step},${String(p.value)},${p.time}\n`;
}

export function eventJsonLine(e: RunEvent): string {
  return JSON.stringify({ time: e.time, level: e.level, text: e.text }) + '\n';
}

export function sampleJsonLine(s: SampleRecord): string {
  return JSON.stringify({ step: s.step, prompt: s.prompt, completion: s.completion, reward: s.reward, extra: s.extra }) + '\n';
}

const metricValue = z.union([z.number(), z.enum(['NaN', 'Infinity', '-Infinity'])]).transform((v) => Number(v));
const metricLine = z.object({ key: z.string().min(1), step: z.number().int(), value: metricValue, time: z.number().int() }).strict();
const eventLine = z
  .object({ time: z.number().int(), level: z.enum(['debug', 'info', 'warn', 'error']), text: z.string() })
  .strict();
const sampleLine = z
  .object({
    step: z.number().int(),
    prompt: z.string(),
    completion: z.string(),
    reward: z.number().nullable(),
    extra: z.record(z.string(), z.unknown()),
  })
  .strict();

function parseLine<S extends z.ZodType>(schema: S, file: string, lineNo: number, text: string): z.infer<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`${file} line ${lineNo}: not valid JSON (${(err as Error).message})`);
  }
  const res = schema.safeParse(raw);
  if (!res.success) {
    const i = res.error.issues[0];
    throw new Error(`${file} line ${lineNo}: ${i.path.join('.') || 'row'}: ${i.message}`);
  }
  return res.data;
}

export const parseMetricLine = (file: string, n: number, text: string): MetricPoint => parseLine(metricLine, file, n, text);
export const parseEventLine = (file: string, n: number, text: string): { time: number; level: EventLevel; text: string } =>
  parseLine(eventLine, file, n, text);
export const parseSampleLine = (file: string, n: number, text: string): Omit<SampleRecord, 'runId' | 'id'> =>
  parseLine(sampleLine, file, n, text);

/** Non-empty lines of a UTF-8 text file with their 1-based numbers, read synchronously in
 * chunks (import inserts rows inside one synchronous store transaction). */
export function* readLinesSync(file: string): Generator<{ n: number; text: string }> {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(1 << 20);
    const dec = new StringDecoder('utf8');
    let rest = '';
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, 0, buf.length, null);
      rest += got > 0 ? dec.write(buf.subarray(0, got)) : dec.end();
      const lines = rest.split('\n');
      rest = got > 0 ? lines.pop()! : '';
      for (const line of lines) {
        n++;
        const text = line.endsWith('\r') ? line.slice(0, -1) : line;
        if (text.trim() !== '') yield { n, text };
      }
      if (got === 0) return;
    }
  } finally {
    closeSync(fd);
  }
}
