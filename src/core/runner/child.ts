/**
 * Runner-side library: the process a supervisor starts for one run. It talks to the supervisor
 * over Electron's utilityProcess port (`process.parentPort`, messages arrive as `{ data }`) or
 * child_process IPC (`process.send` / 'message'), builds the RunContext an executor reports
 * through, runs the executor, reports done/error and exits.
 *
 * Metrics, progress and samples are batched (sent at most every `flushMs`); every other message
 * first flushes what is pending, so the supervisor sees messages in the order they were made.
 */
import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { checkOutputDir, resolveOutputDir } from '../../engine/model/outputDir';
import type { RunConfig } from '../../shared/config';
import type { RunKind } from '../../shared/config/kinds';
import type { EventLevel } from '../../shared/records';
import type { RunContext, RunExecutor } from '../../shared/runContext';
import type { MetricsPoint, RunnerMessage, StartMessage, SupervisorMessage } from './protocol';

interface Transport {
  send(msg: RunnerMessage): Promise<void>;
  onMessage(cb: (msg: unknown) => void): void;
  /** The supervisor went away (fork transport only). */
  onDisconnect(cb: () => void): void;
  /** How long to wait after the last send before exiting (ms). */
  settleMs: number;
}

interface ParentPort {
  on(event: 'message', cb: (e: { data: unknown }) => void): void;
  postMessage(msg: unknown): void;
}

function detectTransport(): Transport {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: async (msg) => port.postMessage(msg),
      onMessage: (cb) => port.on('message', (e) => cb(e.data)),
      onDisconnect: () => undefined,
      // postMessage has no delivery callback: give the port a moment before exiting.
      settleMs: 100,
    };
  }
  if (typeof process.send === 'function') {
    return {
      send: (msg) =>
        new Promise<void>((res) => {
          if (!process.connected) return res();
          process.send!(msg, undefined, {}, () => res());
        }),
      onMessage: (cb) => process.on('message', cb),
      onDisconnect: (cb) => process.on('disconnect', cb),
      settleMs: 0,
    };
  }
  throw new Error('this runner must be started by the Benchtop supervisor (no IPC channel to talk to)');
}

export interface RunnerOptions {
  /** Longest time metrics/progress wait before being sent (ms). Default 200. */
  flushMs?: number;
}

/** The outbox: batches metrics and progress, keeps everything in order. */
class Outbox {
  private queue: RunnerMessage[] = [];
  private timer: NodeJS.Timeout | null = null;
  private sending: Promise<void> = Promise.resolve();

  constructor(private readonly transport: Transport, private readonly flushMs: number) {}

  metrics(points: MetricsPoint[]): void {
    const last = this.queue[this.queue.length - 1];
    if (last?.type === 'metrics') last.points.push(...points);
    else this.queue.push({ type: 'metrics', points });
    this.arm();
  }

  progress(msg: Extract<RunnerMessage, { type: 'progress' }>): void {
    const i = this.queue.findIndex((m) => m.type === 'progress');
    if (i >= 0) this.queue.splice(i, 1);
    this.queue.push(msg);
    this.arm();
  }

  /** Send a message now, after everything queued before it. */
  now(msg: RunnerMessage): Promise<void> {
    this.queue.push(msg);
    return this.flush();
  }

  /** Batched but not urgent (events, samples): goes with the next flush. */
  later(msg: RunnerMessage): void {
    this.queue.push(msg);
    this.arm();
  }

  private arm(): void {
    if (!this.timer) this.timer = setTimeout(() => void this.flush(), this.flushMs);
  }

  flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.queue;
    this.queue = [];
    this.sending = this.sending.then(async () => {
      for (const m of batch) await this.transport.send(m);
    });
    return this.sending;
  }
}

function errorMessage(err: unknown): { message: string; stack?: string } {
  if (err instanceof Error) return { message: err.message || err.name, stack: err.stack };
  return { message: String(err) };
}

/** Build the RunContext for one start message. */
function makeContext(start: StartMessage, outbox: Outbox, signal: AbortSignal): RunContext {
  const runDir = resolve(start.runDir);
  mkdirSync(runDir, { recursive: true });
  return {
    runId: start.runId,
    config: start.config as RunConfig,
    settings: start.settings,
    runDir,
    dataDir: start.dataDir,
    signal,
    resumeFrom: start.resumeFrom,
    progress(step, total, phase) {
      outbox.progress({ type: 'progress', step, total, phase, time: Date.now() });
    },
    metrics(step, values) {
      const time = Date.now();
      outbox.metrics(Object.entries(values).map(([key, value]) => ({ key, step, value, time })));
    },
    log(level: EventLevel, text: string) {
      // Sent at once (with whatever is queued before it): the last log lines before a crash
      // are the ones that explain it.
      void outbox.now({ type: 'event', level, text, time: Date.now() });
    },
    sample(s) {
      outbox.later({ type: 'sample', step: s.step, prompt: s.prompt, completion: s.completion, reward: s.reward ?? null, extra: s.extra ?? {} });
    },
    artifact(path, kind) {
      void outbox.now({ type: 'artifact', path: resolve(runDir, path), kind });
    },
    checkpoint(info) {
      void outbox.now({ type: 'checkpoint', dir: resolve(runDir, info.dir), step: info.step });
    },
    device(desc) {
      void outbox.now({ type: 'device', desc });
    },
  };
}

/**
 * Serve one run in this process: wait for `start`, run the executor for the run's kind, report
 * `done` or `error`, exit (0 on success or cancel, 1 on error). Exits as well when the
 * supervisor disappears, so no orphan keeps a GPU busy.
 */
export function runRunner(getExecutor: (kind: RunKind) => Promise<RunExecutor>, opts: RunnerOptions = {}): void {
  const transport = detectTransport();
  const outbox = new Outbox(transport, opts.flushMs ?? 200);
  const abort = new AbortController();
  let started = false;
  let finishing = false;

  const finish = async (msg: RunnerMessage, code: number) => {
    if (finishing) return;
    finishing = true;
    await outbox.now(msg);
    setTimeout(() => process.exit(code), transport.settleMs);
  };

  // Ctrl-C and a closed terminal reach the whole process group, this runner included: the
  // supervisor decides (cancel, then kill after a timeout), and this process exits on its own
  // when the supervisor goes away (disconnect below).
  for (const sig of ['SIGINT', 'SIGHUP'] as const) process.on(sig, () => undefined);
  process.on('uncaughtException', (err) => void finish({ type: 'error', ...errorMessage(err) }, 1));
  process.on('unhandledRejection', (err) => void finish({ type: 'error', ...errorMessage(err) }, 1));
  transport.onDisconnect(() => process.exit(1));

  transport.onMessage((raw) => {
    const msg = raw as SupervisorMessage;
    if (!msg || typeof msg !== 'object') return;
    if (msg.type === 'cancel') {
      abort.abort(new Error('cancelled'));
      return;
    }
    if (msg.type === 'start' && !started) {
      started = true;
      void (async () => {
        try {
          const ctx = makeContext(msg, outbox, abort.signal);
          // Before any work: a model folder the run would write into must be new, empty or
          // Benchtop's own (never replace files Benchtop did not write).
          const outputDir = (msg.config as { output_dir?: unknown }).output_dir;
          if (typeof outputDir === 'string') checkOutputDir(resolveOutputDir(ctx.runDir, outputDir));
          const kind = (msg.config as { kind: RunKind }).kind;
          const executor = await getExecutor(kind);
          await executor(ctx);
          await finish({ type: 'done', aborted: abort.signal.aborted }, 0);
        } catch (err) {
          // An executor that throws because it was cancelled still ended by cancel.
          if (abort.signal.aborted) await finish({ type: 'done', aborted: true }, 0);
          else await finish({ type: 'error', ...errorMessage(err) }, 1);
        }
      })();
    }
  });

  void transport.send({ type: 'ready', pid: process.pid });
}
