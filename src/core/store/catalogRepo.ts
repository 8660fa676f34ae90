/** Registered models and datasets, and the settings key/value table. */
import type { DatasetEntry, ModelEntry } from '../../shared/records';
import type { Db, Row } from './sqlite';

function parseInfo(text: unknown): Record<string, unknown> {
  try {
    const v = JSON.parse(String(text ?? '{}'));
    return v && typeof v === 'object' && !Array.isArray(v) ? v : {};
  } catch {
    return {};
  }
}

const rowToModel = (r: Row): ModelEntry => ({
  id: String(r.id),
  name: String(r.name),
  path: String(r.path),
  architecture: String(r.architecture),
  parameters: r.parameters === null ? null : Number(r.parameters),
  builtin: Number(r.builtin) === 1,
  addedAt: Number(r.added_at),
  info: parseInfo(r.info),
});

const rowToDataset = (r: Row): DatasetEntry => ({
  id: String(r.id),
  name: String(r.name),
  source: String(r.source) as DatasetEntry['source'],
  path: r.path === null ? null : String(r.path),
  rows: Number(r.rows),
  addedAt: Number(r.added_at),
  info: parseInfo(r.info),
});

export class CatalogRepo {
  constructor(private readonly db: Db) {}

  listModels(): ModelEntry[] {
    return this.db.prepare('SELECT * FROM models ORDER BY builtin DESC, added_at').all().map(rowToModel);
  }

  getModel(id: string): ModelEntry | null {
    const r = this.db.prepare('SELECT * FROM models WHERE id = ?').get(id);
    return r ? rowToModel(r) : null;
  }

  getModelByPath(path: string): ModelEntry | null {
    const r = this.db.prepare('SELECT * FROM models WHERE path = ?').get(path);
    return r ? rowToModel(r) : null;
  }

  /** Insert or refresh (same path) a model entry. */
  upsertModel(m: ModelEntry): ModelEntry {
    this.db
      .prepare(
        `INSERT INTO models (id, name, path, architecture, parameters, builtin, added_at, info) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(path) DO UPDATE SET name = excluded.name, architecture = excluded.architecture,
           parameters = excluded.parameters, info = excluded.info`,
      )
      .run(m.id, m.name, m.path, m.architecture, m.parameters, m.builtin ? 1 : 0, m.addedAt, JSON.stringify(m.info));
    return this.getModelByPath(m.path)!;
  }

  removeModel(id: string): boolean {
    return Number(this.db.prepare('DELETE FROM models WHERE id = ?').run(id).changes) > 0;
  }

  listDatasets(): DatasetEntry[] {
    return this.db.prepare('SELECT * FROM datasets ORDER BY added_at').all().map(rowToDataset);
  }

  getDataset(id: string): DatasetEntry | null {
    const r = this.db.prepare('SELECT * FROM datasets WHERE id = ?').get(id);
    return r ? rowToDataset(r) : null;
  }

  removeDataset(id: string): boolean {
    return Number(this.db.prepare('DELETE FROM datasets WHERE id = ?').run(id).changes) > 0;
  }

  upsertDataset(d: DatasetEntry): DatasetEntry {
    this.db
      .prepare(
        `INSERT INTO datasets (id, name, source, path, rows, added_at, info) VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT(id) DO UPDATE SET name = excluded.name, path = excluded.path, rows = excluded.rows, info = excluded.info`,
      )
      .run(d.id, d.name, d.source, d.path, d.rows, d.addedAt, JSON.stringify(d.info));
    return this.getDataset(d.id) ?? d;
  }

  /** Raw stored settings (key → parsed JSON); validation is the caller's job (settings.ts). */
  settings(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const r of this.db.prepare('SELECT key, value FROM settings').all()) {
      try {
        out[String(r.key)] = JSON.parse(String(r.value));
      } catch {
        /* an unreadable value falls back to its default */
      }
    }
    return out;
  }

  setSetting(key: string, value: unknown): void {
    this.db.prepare('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)').run(key, JSON.stringify(value));
  }
}
