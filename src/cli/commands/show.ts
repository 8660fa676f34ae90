/** `benchtop show <id>`: one run's config, status, last metric values and artifacts. */
import { stringify } from 'yaml';
import { parseCommandArgs } from '../args';
import { openCliBackend, resolveRunIdOrSay } from '../home';
import { EXIT, UsageError, type CliCommand } from '../registry';
import { formatTime, metricLines, runDuration, table } from '../runText';
import { sweepDetail } from '../../core/sweeps';
import { pointLabel } from '../../shared/sweeps';
import { sweepLines } from '../followSweep';

export const showCommand: CliCommand = {
  name: 'show',
  summary: 'show one run: status, config, last value of each metric, artifacts',
  usage: 'benchtop show <run id (or a unique part of it) | sweep id (sweep-…)> [--json]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, { json: { type: 'boolean' } });
    if (positionals.length !== 1) throw new UsageError('expected one run id');
    const backend = await openCliBackend(ctx);
    try {
      if (positionals[0]!.startsWith('sweep-')) {
        // A sweep: its outcome and its runs with their swept values.
        const detail = sweepDetail(backend.store, backend.store.sweeps.resolveId(positionals[0]!))!;
        for (const line of values.json ? [JSON.stringify(detail, null, 2)] : sweepLines(detail)) ctx.out(line);
        return EXIT.ok;
      }
      const id = resolveRunIdOrSay(backend, ctx, 'show', positionals[0]!);
      if (id === null) return EXIT.failed;
      const run = backend.store.runs.get(id, { includeDeleted: true });
      if (!run) {
        ctx.err(`benchtop show: no run with id '${id}'`);
        return EXIT.failed;
      }
      const metrics = backend.store.telemetry.lastMetrics(id);
      const artifacts = backend.store.telemetry.artifacts(id);
      const checkpoint = backend.store.telemetry.checkpoint(id);
      const deleted = backend.store.runs.isDeleted(id);
      if (values.json) {
        ctx.out(JSON.stringify({ run, deleted, metrics, artifacts, checkpoint }, null, 2));
        return EXIT.ok;
      }
      ctx.out(`run      ${run.id}${deleted ? '  (in the trash)' : ''}`);
      ctx.out(`name     ${run.name}`);
      ctx.out(`kind     ${run.kind}`);
      ctx.out(`status   ${run.status}${run.exitReason ? ` — ${run.exitReason}` : ''}`);
      ctx.out(`created  ${formatTime(run.createdAt)}   started ${formatTime(run.startedAt)}   ended ${formatTime(run.endedAt)}   (${runDuration(run)})`);
      if (run.progress) ctx.out(`progress ${run.progress.step}/${run.progress.total}${run.progress.phase ? ' ' + run.progress.phase : ''}`);
      if (run.device) ctx.out(`device   ${run.device}`);
      if (run.tags.length) ctx.out(`tags     ${run.tags.join(', ')}`);
      if (run.sweep) ctx.out(`sweep    ${run.sweep.sweepId}  (${pointLabel(run.sweep.point)})`);
      if (checkpoint) ctx.out(`checkpoint step ${checkpoint.step}: ${checkpoint.dir}`);
      ctx.out('');
      ctx.out('config:');
      for (const line of stringify(run.config).trimEnd().split('\n')) ctx.out(`  ${line}`);
      ctx.out('');
      for (const line of metricLines(metrics)) ctx.out(line);
      ctx.out('');
      if (artifacts.length === 0) ctx.out('(no artifacts)');
      else for (const line of table(['ARTIFACT', 'BYTES', 'SHA256', 'PATH'], artifacts.map((a) => [a.kind, String(a.bytes), a.sha256.slice(0, 16), a.path]))) ctx.out(line);
      return EXIT.ok;
    } finally {
      await backend.close();
    }
  },
};
