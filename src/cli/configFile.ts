/** Reading a run config file: JSON for .json, YAML otherwise. Errors name the file and line. */
import { readFileSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { parseDocument } from 'yaml';

/** Largest config file read: a run config is a few kilobytes (the parsed config is capped at
 * MAX_CONFIG_BYTES by preflight; YAML comments and anchors may make the file somewhat larger). */
export const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    const st = statSync(file);
    if (!st.isFile()) throw Object.assign(new Error('not a file'), { code: 'EISDIR' });
    if (st.size > MAX_CONFIG_FILE_BYTES) {
      throw Object.assign(new Error(`${file}: expected a config file of at most ${MAX_CONFIG_FILE_BYTES / 1024} KiB, got ${(st.size / 1024).toFixed(0)} KiB`), { code: 'EFBIG' });
    }
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EFBIG') throw new Error((err as Error).message);
    if (code === 'EISDIR') throw new Error(`${file}: is a folder; expected a .yaml or .json config file`);
    throw new Error(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${(err as Error).message})`);
  }
  if (extname(file).toLowerCase() === '.json') {
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new Error(`${file}: not valid JSON (${(err as Error).message})`);
    }
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e.linePos?.[0] ? ` at line ${e.linePos[0].line}, column ${e.linePos[0].col}` : '';
    throw new Error(`${file}: not valid YAML${where}: ${e.message.split('\n')[0]}`);
  }
  try {
    // maxAliasCount: a few anchors are fine; a billion-laughs document is not a config.
    return doc.toJS({ maxAliasCount: 100 });
  } catch (err) {
    throw new Error(`${file}: not a usable YAML config (${(err as Error).message})`);
  }
}
