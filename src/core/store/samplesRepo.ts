/**
 * Paged, filtered reads of a run's samples for the samples viewer: the filters become a WHERE
 * clause over the sample columns and the JSON `extra` (json_extract), the page is LIMIT/OFFSET.
 */
import type { SampleRecord } from '../../shared/records';
import type { SamplePage, SampleQuery } from '../../shared/sampleQuery';
import type { Db, Row } from './sqlite';

/** Rows per page when the query names no limit. */
export const DEFAULT_SAMPLE_PAGE = 50;

const SORT_SQL: Record<NonNullable<SampleQuery['sort']>, string> = {
  id: 'id',
  step: 'step',
  reward: 'reward',
  advantage: "CAST(json_extract(extra, '$.advantage') AS REAL)",
};

function parseExtra(text: unknown): Record<string, unknown> {
  try {
    const v = JSON.parse(String(text ?? '{}'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

function rowToSample(r: Row): SampleRecord {
  return {
    id: Number(r.id),
    runId: String(r.run_id),
    step: Number(r.step),
    prompt: String(r.prompt),
    completion: String(r.completion),
    reward: r.reward === null ? null : Number(r.reward),
    extra: parseExtra(r.extra),
  };
}

export class SamplesRepo {
  constructor(private readonly db: Db) {}

  query(runId: string, q: SampleQuery = {}): SamplePage {
    const where: string[] = ['run_id = ?'];
    const args: unknown[] = [runId];
    if (q.fromStep !== undefined) (where.push('step >= ?'), args.push(q.fromStep));
    if (q.toStep !== undefined) (where.push('step <= ?'), args.push(q.toStep));
    if (q.minReward !== undefined) (where.push('reward >= ?'), args.push(q.minReward));
    if (q.maxReward !== undefined) (where.push('reward <= ?'), args.push(q.maxReward));
    // `correct` is stored as a JSON boolean (json_extract gives 1/0) or, from older runs, 1/0.
    if (q.correct !== undefined) (where.push("json_extract(extra, '$.correct') = ?"), args.push(q.correct ? 1 : 0));
    if (q.task !== undefined) (where.push("json_extract(extra, '$.task') = ?"), args.push(q.task));
    if (q.prompt !== undefined) (where.push('prompt = ?'), args.push(q.prompt));
    if (q.text) {
      where.push("(instr(prompt, ?) > 0 OR instr(completion, ?) > 0)");
      args.push(q.text, q.text);
    }
    const cond = where.join(' AND ');
    const total = Number(this.db.prepare(`SELECT COUNT(*) AS n FROM samples WHERE ${cond}`).get(...args)?.n ?? 0);
    const dir = q.desc ? 'DESC' : 'ASC';
    const sort = SORT_SQL[q.sort ?? 'id'];
    // Rows without the sort value (no reward, no advantage) go last either way.
    const order = `${sort} IS NULL, ${sort} ${dir}, id ${dir}`;
    const rows = this.db
      .prepare(`SELECT * FROM samples WHERE ${cond} ORDER BY ${order} LIMIT ? OFFSET ?`)
      .all(...args, q.limit ?? DEFAULT_SAMPLE_PAGE, q.offset ?? 0)
      .map(rowToSample);
    const range = this.db.prepare('SELECT MIN(step) AS lo, MAX(step) AS hi FROM samples WHERE run_id = ?').get(runId);
    const tasks = this.db
      .prepare("SELECT DISTINCT json_extract(extra, '$.task') AS task FROM samples WHERE run_id = ? AND json_extract(extra, '$.task') IS NOT NULL ORDER BY task")
      .all(runId)
      .map((r) => String(r.task));
    return {
      total,
      rows,
      tasks,
      minStep: range?.lo === null || range?.lo === undefined ? null : Number(range.lo),
      maxStep: range?.hi === null || range?.hi === undefined ? null : Number(range.hi),
    };
  }
}
