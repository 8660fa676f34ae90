/**
 * Which files the API may touch on a caller's behalf (docs/decisions/0019). In browser mode the
 * API is reachable by whoever holds the token, through a page, on a machine that may be shared:
 * a path it is given must lie in the data folder, among the shipped models, or under a folder
 * the person who started `benchtop serve` allowed (`--allow-dir`, BENCHTOP_ALLOW_DIRS). The
 * desktop app and the CLI act for the logged-in user on paths they typed or picked, so they
 * pass everything. Symbolic links are resolved first, so a link cannot lead outside.
 */
import { existsSync, realpathSync } from 'node:fs';
import { basename, delimiter, dirname, isAbsolute, relative, resolve } from 'node:path';

export interface PathPolicy {
  /** The absolute path when `path` may be used (`use` says how), else an Error naming the field. */
  check(path: string, use: 'read' | 'write', field: string): string;
  /** Folders paths may be under (empty: no limit). */
  readonly roots: readonly string[];
}

/** Folders from BENCHTOP_ALLOW_DIRS (separated like PATH). */
export function allowDirsFromEnv(env: NodeJS.ProcessEnv = process.env): string[] {
  return (env.BENCHTOP_ALLOW_DIRS ?? '').split(delimiter).filter((d) => d.trim() !== '');
}

/** The real path of `p`, or of its nearest existing ancestor joined with the rest (for files yet to be written). */
function realish(p: string): string {
  let head = p;
  const tail: string[] = [];
  while (!existsSync(head)) {
    const up = dirname(head);
    if (up === head) break;
    tail.unshift(basename(head));
    head = up;
  }
  let real = head;
  try {
    real = realpathSync(head);
  } catch {
    /* unreadable: compared as given */
  }
  return tail.length ? resolve(real, ...tail) : real;
}

const inside = (root: string, p: string) => {
  const rel = relative(root, p);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
};

export function createPathPolicy(opts: { limited: boolean; roots: readonly string[] }): PathPolicy {
  const roots = opts.limited ? opts.roots.map((r) => realish(resolve(r))) : [];
  return {
    roots,
    check(path, use, field) {
      const abs = resolve(path);
      if (!opts.limited) return abs;
      if (path.includes('\0')) throw new Error(`${field}: expected a file path, got a path with a NUL character`);
      const real = realish(abs);
      if (roots.some((r) => inside(r, real))) return abs;
      throw new Error(
        `${field}: '${path}' is outside the folders this server may ${use === 'read' ? 'read' : 'write'}: the data folder and the folders allowed when it was started (benchtop serve --allow-dir DIR)`,
      );
    },
  };
}
