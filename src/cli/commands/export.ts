/** `benchtop export <id>`: write one run as a bundle (.zip) and print its path and size. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportRunBundle, exportSweepBundle } from '../../core/bundles';
import { packageRoot } from '../../core/runner/locate';
import { parseCommandArgs } from '../args';
import { openCliBackend, resolveRunIdOrSay } from '../home';
import { EXIT, UsageError, type CliCommand } from '../registry';

function appVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

function humanBytes(n: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) (v /= 1000), i++;
  return i ? `${v.toFixed(1)} ${units[i]}` : `${n} bytes`;
}

export const exportCommand: CliCommand = {
  name: 'export',
  summary: 'write a run as a bundle (.zip: manifest with sha256s, config, metrics, events, samples, artifacts, SVG plots, report.html)',
  usage: 'benchtop export <run id (or a unique part of it) | sweep id (sweep-…): the whole group> [--out FILE.zip (default ./benchtop-run-<id>.zip)] [--no-models (leave model weight files out)]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { out: { type: 'string', short: 'o' }, 'no-models': { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('expected one run id');
    if (values.out !== undefined && !/\.zip$/i.test(values.out)) throw new UsageError(`--out: expected a file name ending in .zip, got '${values.out}'`);
    const backend = await openCliBackend(ctx);
    try {
      if (positionals[0]!.startsWith('sweep-')) {
        // A sweep id: the whole group as one bundle (each run's bundle inside, plus sweep.json).
        const res = await exportSweepBundle({ store: backend.store, dataDir: backend.dataDir, appVersion: appVersion() }, backend.store.sweeps.resolveId(positionals[0]!), {
          includeModels: !values['no-models'],
          out: values.out,
          defaultDir: process.cwd(),
        });
        ctx.out(`bundle ${res.path}`);
        ctx.out(`size   ${humanBytes(res.bytes)}${res.bytes >= 1000 ? ` (${res.bytes} bytes)` : ''}, ${res.manifest.runs.length} runs`);
        return EXIT.ok;
      }
      const id = resolveRunIdOrSay(backend, ctx, 'export', positionals[0]!);
      if (id === null) return EXIT.failed;
      const res = await exportRunBundle({ store: backend.store, dataDir: backend.dataDir, appVersion: appVersion() }, id, {
        includeModels: !values['no-models'],
        out: values.out,
        defaultDir: process.cwd(),
      });
      ctx.out(`bundle ${res.path}`);
      ctx.out(`size   ${humanBytes(res.bytes)}${res.bytes >= 1000 ? ` (${res.bytes} bytes)` : ''}, ${res.manifest.files.length + 1} files`);
      for (const o of res.manifest.omitted) ctx.err(`left out ${o.original_path} (${humanBytes(o.bytes)}): ${o.reason}`);
      return EXIT.ok;
    } finally {
      await backend.close();
    }
  },
};
