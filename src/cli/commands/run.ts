/** `benchtop run <config>`: validate, execute in a runner process, follow it to the end. */
import { preflightRun } from '../../core/preflight';
import { isTerminal } from '../../shared/status';
import { parseCommandArgs } from '../args';
import { readConfigFile } from '../configFile';
import { openCliBackend } from '../home';
import { applyOverride } from '../overrides';
import { ProgressView } from '../progressView';
import { EXIT, UsageError, type CliCommand } from '../registry';
import { metricLines, runDuration, withoutStack } from '../runText';

export const runCommand: CliCommand = {
  name: 'run',
  summary: 'validate a run config (YAML or JSON) and execute it, with progress on stderr',
  usage: 'benchtop run <config.yaml|config.json> [--set path=value]... [--name NAME] [--tag TAG]... [--json]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, {
      name: { type: 'string' },
      tag: { type: 'string', multiple: true },
      set: { type: 'string', multiple: true },
      json: { type: 'boolean' },
    });
    if (positionals.length !== 1) throw new UsageError('expected exactly one config file');
    const file = positionals[0];
    let raw: unknown;
    try {
      raw = readConfigFile(file);
    } catch (err) {
      ctx.err(`benchtop run: ${(err as Error).message}`);
      return EXIT.usage;
    }
    if (raw && typeof raw === 'object' && !Array.isArray(raw)) {
      const obj = raw as Record<string, unknown>;
      if (values.name !== undefined) obj.name = values.name;
      if (values.tag?.length) obj.tags = [...(Array.isArray(obj.tags) ? obj.tags : []), ...values.tag];
      for (const a of values.set ?? []) applyOverride(obj, a);
    }
    // Everything is checked before the data folder is opened: a refused config leaves no run record.
    const checked = await preflightRun(raw, { dataDir: ctx.home, engine: !ctx.env.BENCHTOP_RUNNER_ENTRY });
    for (const w of checked.warnings) ctx.err(`benchtop run: warning: ${w.path}: ${w.message}`);
    if (!checked.ok || !checked.config) {
      ctx.err(`benchtop run: ${file} is not a valid run config:`);
      for (const i of checked.issues) ctx.err(`  ${i.path}: ${i.message}`);
      return EXIT.usage;
    }

    const backend = await openCliBackend(ctx, { execute: true });
    const view = new ProgressView(ctx.stderr);
    let runId = '';
    const unsubscribe = backend.subscribe((e) => {
      if (!runId || (e.type === 'run' ? e.run.id : e.runId) !== runId) return;
      if (e.type === 'progress') view.update(e.progress);
      else if (e.type === 'metrics') for (const p of e.points) view.metric(p.key, p.value);
      else if (e.type === 'event' && (e.event.level === 'warn' || e.event.level === 'error')) {
        // A runner logs an error's stack as an event of its own: only with --debug.
        const text = withoutStack(e.event.text, ctx.debug);
        if (text) view.message(`${e.event.level}: ${text}`);
      }
    });
    let interrupts = 0;
    const onSigint = () => {
      interrupts++;
      if (interrupts === 1) {
        view.message('cancelling… (press Ctrl-C again to stop it at once)');
        backend.supervisor.cancel(runId);
      } else {
        backend.supervisor.cancel(runId, { force: true });
      }
    };
    process.on('SIGINT', onSigint);
    process.on('SIGTERM', onSigint);
    try {
      const run = await backend.handlers.createRun(checked.config as unknown as Record<string, unknown>);
      runId = run.id;
      ctx.out(`run ${run.id}`);
      ctx.err(`${run.name} (${run.kind}) — data in ${backend.dataDir}`);
      const started = backend.store.runs.get(run.id);
      if (started?.status === 'queued') {
        const limit = backend.getSettings().concurrency;
        ctx.err(`waiting: ${limit} run(s) already running in this data folder (concurrency ${limit})`);
      }
      const final = await backend.supervisor.waitFor(run.id);
      view.finish();
      const metrics = backend.store.telemetry.lastMetrics(run.id);
      if (values.json) {
        ctx.out(JSON.stringify({ run: final, metrics, artifacts: backend.store.telemetry.artifacts(run.id) }, null, 2));
      } else {
        ctx.out(`status: ${final.status}${final.exitReason ? ` — ${final.exitReason}` : ''} (${runDuration(final)})`);
        for (const line of metricLines(metrics)) ctx.out(line);
      }
      if (!isTerminal(final.status)) return EXIT.failed;
      return final.status === 'succeeded' ? EXIT.ok : final.status === 'cancelled' ? EXIT.cancelled : EXIT.failed;
    } finally {
      process.off('SIGINT', onSigint);
      process.off('SIGTERM', onSigint);
      unsubscribe();
      await backend.close();
    }
  },
};
