/**
 * Error messages leave browser mode without the server's own absolute paths: the data folder,
 * the app's folder, the temp folder and the home folder are shown by name, not by location
 * (a page on another machine has no use for them, and they tell whoever reads them about the
 * server's layout). What the caller itself sent — a path it typed — is shown as it was sent.
 */
import { homedir, tmpdir } from 'node:os';

export type Redactor = (message: string, keep?: readonly string[]) => string;

export function createRedactor(places: { dataDir: string; appDir?: string }): Redactor {
  const named: [string, string][] = [
    [places.dataDir, '<data folder>'],
    ...(places.appDir ? [[places.appDir, '<app folder>'] as [string, string]] : []),
    [tmpdir(), '<temp folder>'],
    [homedir(), '~'],
  ];
  // Longest first: the data folder usually lies under the home folder.
  named.sort((a, b) => b[0].length - a[0].length);
  return (message, keep = []) => {
    const kept = keep.filter((k) => k.length > 1 && message.includes(k)).sort((a, b) => b.length - a.length);
    let out = message;
    kept.forEach((k, i) => (out = out.split(k).join(`\u0000${i}\u0000`)));
    for (const [path, name] of named) if (path.length > 1) out = out.split(path).join(name);
    kept.forEach((k, i) => (out = out.split(`\u0000${i}\u0000`).join(k)));
    return out;
  };
}

/** Every string inside an API call's arguments (what the caller sent and may see again). */
export function stringsIn(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) stringsIn(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) stringsIn(v, out);
  return out;
}
