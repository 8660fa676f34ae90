/**
 * Which paths may appear inside a run bundle. Import refuses anything that could land outside
 * the folder it unpacks into or alias another file on some OS; export only ever writes names
 * that pass the same check, so a bundle Benchtop made always imports.
 */

/** Longest entry name accepted (bytes of UTF-16 text; well under every OS's path limit). */
export const MAX_ENTRY_NAME = 400;

// Names Windows maps to devices whatever the extension (CON.txt is the console).
const WINDOWS_DEVICE = /^(con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])(\..*)?$/i;
// Control characters and the characters Windows forbids in names (':' also opens NTFS streams).
const FORBIDDEN_CHAR = /[\u0000-\u001f\u007f<>:"|?*]/;

/** Why `name` may not be a file in a bundle, or null when it may. */
export function entryNameProblem(name: string): string | null {
  if (name.length === 0) return 'empty name';
  if (name.length > MAX_ENTRY_NAME) return `name longer than ${MAX_ENTRY_NAME} characters`;
  if (name.includes('\\')) return 'contains a backslash';
  if (name.startsWith('/')) return 'absolute path';
  if (/^[A-Za-z]:/.test(name)) return 'absolute path (drive letter)';
  if (FORBIDDEN_CHAR.test(name)) return 'contains a control character or one of < > : " | ? *';
  for (const seg of name.split('/')) {
    if (seg === '') return 'empty path segment (// or a trailing /)';
    if (seg === '.' || seg === '..') return `'${seg}' segment (would escape the bundle folder)`;
    if (/[. ]$/.test(seg)) return `segment '${seg}' ends with a dot or a space (Windows would rename it)`;
    if (WINDOWS_DEVICE.test(seg)) return `segment '${seg}' is a Windows device name`;
  }
  return null;
}

/** Throws when `name` may not be a file in a bundle; `where` says which file list it came from. */
export function checkEntryName(name: string, where: string): void {
  const p = entryNameProblem(name);
  if (p) throw new Error(`${where}: refused path ${JSON.stringify(name)}: ${p}`);
}

/** Turn one path segment from the file system (or a metric key part) into a name the bundle
 * accepts: unusual characters become '_', never empty, never a device name. */
export function safeSegment(seg: string): string {
  let s = seg.replace(/[^A-Za-z0-9._=+@,-]/g, '_').replace(/[. ]+$/, '_');
  if (s === '' || s === '.' || s === '..') s = '_';
  if (WINDOWS_DEVICE.test(s)) s = `_${s}`;
  return s.slice(0, 120);
}

/** Keeps names unique ignoring case (case-insensitive file systems would merge `A` and `a`). */
export class NameSet {
  private readonly seen = new Set<string>();

  has(name: string): boolean {
    return this.seen.has(name.toLowerCase());
  }

  add(name: string): void {
    this.seen.add(name.toLowerCase());
  }

  /** `base + ext`, or `base-2 + ext`, `base-3 + ext`, … whichever is free; recorded as taken. */
  unique(base: string, ext = ''): string {
    let name = base + ext;
    for (let i = 2; this.has(name); i++) name = `${base}-${i}${ext}`;
    this.add(name);
    return name;
  }
}
