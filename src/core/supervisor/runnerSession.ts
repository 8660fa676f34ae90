/**
 * One active run: its runner process, the messages it sends (into the batch writer and out as
 * push events), cancel with a kill timeout, and the final status when the process ends.
 */
import { recordRunEffect } from '../expectedEffect';
import type { PushEvent } from '../../shared/api';
import type { EventLevel, RunRecord } from '../../shared/records';
import type { Settings } from '../../shared/settings';
import type { RunStatus } from '../../shared/status';
import type { RunStore } from '../store';
import type { BatchWriter } from '../store/writer';
import { parseRunnerMessage, type RunnerMessage, type SupervisorMessage } from '../runner/protocol';
import { EtaEstimator } from './eta';
import { fileDigest } from './fileDigest';
import type { LaunchOptions, ProcessLauncher, RunnerProcess } from './launcher';

export interface RunnerSessionOptions {
  run: RunRecord;
  runDir: string;
  dataDir: string;
  store: RunStore;
  writer: BatchWriter;
  emit(e: PushEvent): void;
  getSettings(): Settings;
  cancelTimeoutMs: number;
  onFinished(run: RunRecord): void;
}

/** Runner output lines kept as events per run, so a chatty runner cannot flood the store. */
const MAX_OUTPUT_EVENTS = 2000;
/** After `done`, how long a runner may take to exit before it is killed (ms). */
const EXIT_GRACE_MS = 5000;
/** On app close, how long a runner may take to stop after SIGTERM before SIGKILL (ms). */
const SHUTDOWN_GRACE_MS = 3000;

type Result = { ok: true; aborted: boolean } | { ok: false; message: string };

export class RunnerSession {
  private proc: RunnerProcess | null = null;
  private ready = false;
  private result: Result | null = null;
  private cancelRequested = false;
  /** Set when a cancel ended with a kill: how it happened, for the exit reason. */
  private cancelKill: string | null = null;
  private closing = false;
  private finished = false;
  private killTimer: NodeJS.Timeout | null = null;
  private readonly eta = new EtaEstimator();
  private readonly pending = new Set<Promise<void>>();
  private stderrTail = '';
  private partial: Record<'stdout' | 'stderr', string> = { stdout: '', stderr: '' };
  private outputEvents = 0;
  private exited!: Promise<void>;
  private markExited!: () => void;

  constructor(private readonly o: RunnerSessionOptions) {
    this.exited = new Promise((res) => (this.markExited = res));
  }

  get runId(): string {
    return this.o.run.id;
  }

  get pid(): number | undefined {
    return this.proc?.pid;
  }

  launch(launcher: ProcessLauncher, entry: string, opts: LaunchOptions): void {
    try {
      this.proc = launcher.launch(entry, opts);
    } catch (err) {
      this.log('error', `could not start the runner process: ${(err as Error).message}`);
      void this.finish(null, null, `could not start the runner process: ${(err as Error).message}`);
      return;
    }
    const proc = this.proc;
    proc.onMessage((m) => this.onMessage(m));
    proc.onExit((code, signal) => void this.finish(code, signal));
    proc.onOutput?.((stream, text) => this.onOutput(stream, text));
  }

  private send(msg: SupervisorMessage): void {
    try {
      this.proc?.send(msg);
    } catch {
      /* the process is gone; its exit is handled by finish() */
    }
  }

  private log(level: EventLevel, text: string): void {
    const event = { runId: this.runId, time: Date.now(), level, text };
    this.o.writer.addEvent(event);
    this.o.emit({ type: 'event', runId: this.runId, event });
  }

  private onOutput(stream: 'stdout' | 'stderr', text: string): void {
    const lines = (this.partial[stream] + text).split('\n');
    this.partial[stream] = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.trim()) continue;
      if (stream === 'stderr') this.stderrTail = line.trim().slice(0, 500);
      if (this.outputEvents < MAX_OUTPUT_EVENTS) this.log(stream === 'stderr' ? 'warn' : 'debug', line);
      else if (this.outputEvents === MAX_OUTPUT_EVENTS) this.log('warn', 'further runner output is not recorded');
      this.outputEvents++;
    }
  }

  private onMessage(raw: unknown): void {
    const msg = parseRunnerMessage(raw);
    if (!msg) {
      this.log('warn', `ignored a malformed message from the runner: ${JSON.stringify(raw).slice(0, 200)}`);
      return;
    }
    this.handle(msg);
  }

  private handle(msg: RunnerMessage): void {
    const runId = this.runId;
    switch (msg.type) {
      case 'ready': {
        if (this.cancelRequested) {
          // Cancelled before the executor started: nothing to save, stop the process.
          this.proc?.kill('SIGTERM');
          return;
        }
        this.ready = true;
        const resumeFrom = this.o.store.telemetry.checkpoint(runId);
        if (resumeFrom) this.log('info', `resuming from the checkpoint at step ${resumeFrom.step} (${resumeFrom.dir})`);
        this.send({
          type: 'start',
          runId,
          config: this.o.run.config,
          settings: this.o.getSettings(),
          runDir: this.o.runDir,
          dataDir: this.o.dataDir,
          resumeFrom,
        });
        return;
      }
      case 'progress': {
        const progress = { step: msg.step, total: msg.total, phase: msg.phase, etaSeconds: this.eta.update(msg.step, msg.total, msg.phase, msg.time) };
        this.o.writer.setProgress(runId, progress);
        this.o.emit({ type: 'progress', runId, progress });
        return;
      }
      case 'metrics':
        this.o.writer.addMetrics(msg.points.map((p) => ({ runId, ...p })));
        this.o.emit({ type: 'metrics', runId, points: msg.points });
        return;
      case 'event': {
        const event = { runId, time: msg.time, level: msg.level, text: msg.text };
        this.o.writer.addEvent(event);
        this.o.emit({ type: 'event', runId, event });
        return;
      }
      case 'sample': {
        const sample = { runId, step: msg.step, prompt: msg.prompt, completion: msg.completion, reward: msg.reward, extra: msg.extra };
        this.o.writer.addSample(sample);
        this.o.emit({ type: 'sample', runId, sample });
        return;
      }
      case 'artifact': {
        // Through the writer: a store locked by another process delays the row, never drops it.
        const p = fileDigest(msg.path).then(
          (d) => void this.o.writer.addWrite(() => void this.o.store.telemetry.addArtifact({ runId, kind: msg.kind, path: msg.path, ...d, createdAt: Date.now() })),
          (err) => this.log('warn', `artifact '${msg.path}' was not recorded: ${(err as Error).message}`),
        );
        this.pending.add(p);
        void p.finally(() => this.pending.delete(p));
        return;
      }
      case 'checkpoint': {
        // The checkpoint row commits in the same transaction as the metrics sent before it, so a
        // recorded checkpoint never points past durable metrics.
        const time = Date.now();
        this.o.writer.addWrite(() => this.o.store.telemetry.setCheckpoint(runId, { dir: msg.dir, step: msg.step }, time));
        this.o.writer.flush();
        return;
      }
      case 'device': {
        this.o.writer.addWrite(() => this.o.store.runs.setDevice(runId, msg.desc));
        this.o.writer.flush();
        const run = this.o.store.runs.get(runId, { includeDeleted: true });
        if (run) this.o.emit({ type: 'run', run: { ...run, device: msg.desc } });
        return;
      }
      case 'done':
      case 'error':
        this.result = msg.type === 'done' ? { ok: true, aborted: msg.aborted } : { ok: false, message: msg.message };
        if (msg.type === 'error' && msg.stack) this.log('error', msg.stack);
        // A runner that reported its result but does not exit is stopped.
        this.armKill(EXIT_GRACE_MS, false);
        return;
    }
  }

  private armKill(ms: number, becauseOfCancel: boolean): void {
    if (this.killTimer) return;
    this.killTimer = setTimeout(() => {
      if (becauseOfCancel) this.cancelKill = `the runner did not stop within ${ms >= 1000 ? `${Math.round(ms / 1000)} s` : `${ms} ms`} and was killed`;
      this.proc?.kill('SIGKILL');
    }, ms);
    this.killTimer.unref();
  }

  /** Ask the runner to stop; kill it if it has not exited after the cancel timeout (at once
   * with `force`). */
  cancel(force = false): void {
    if (this.finished) return;
    if (force) {
      this.cancelRequested = true;
      this.cancelKill = 'the runner was killed at once (forced)';
      this.proc?.kill('SIGKILL');
      return;
    }
    if (this.cancelRequested) return;
    this.cancelRequested = true;
    this.log('info', 'cancel requested');
    if (!this.ready) {
      this.proc?.kill('SIGTERM');
    } else {
      this.send({ type: 'cancel' });
    }
    if (this.killTimer) clearTimeout(this.killTimer);
    this.killTimer = null;
    this.armKill(this.o.cancelTimeoutMs, true);
  }

  /** App shutdown: stop the runner; the run ends `interrupted` (resumable). */
  async shutdown(): Promise<void> {
    if (this.finished) return;
    this.closing = true;
    this.proc?.kill('SIGTERM');
    const timer = setTimeout(() => this.proc?.kill('SIGKILL'), SHUTDOWN_GRACE_MS);
    await this.exited;
    clearTimeout(timer);
  }

  private describeExit(code: number | null, signal: string | null): string {
    const tail = this.stderrTail ? `; last output: ${this.stderrTail}` : '';
    if (signal) {
      const hint = signal === 'SIGKILL' ? ' (out of memory, or killed by the system or a user)' : '';
      return `runner process was killed by ${signal}${hint}${tail}`;
    }
    if (code === null) return `runner process could not be started${tail}`;
    return `runner process exited with code ${code} before reporting a result${tail}`;
  }

  private async finish(code: number | null, signal: string | null, startError?: string): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    if (this.killTimer) clearTimeout(this.killTimer);
    for (const s of ['stdout', 'stderr'] as const) if (this.partial[s]) this.onOutput(s, '\n');
    await Promise.allSettled([...this.pending]);
    // Everything the runner sent is committed before the final status (retrying while another
    // process holds the write lock).
    try {
      await this.o.writer.drain();
    } catch (err) {
      console.warn(`benchtop: run ${this.runId}: ${(err as Error).message}`);
    }

    let status: RunStatus;
    let reason: string | null;
    if (this.result?.ok && !this.result.aborted) {
      // Finished (possibly just before a cancel or shutdown reached the executor).
      status = 'succeeded';
      reason = null;
    } else if (this.closing) {
      status = 'interrupted';
      reason = 'Benchtop closed while the run was running; resume it from its last checkpoint';
    } else if (this.cancelRequested) {
      status = 'cancelled';
      reason = this.cancelKill ? `cancelled; ${this.cancelKill}` : 'cancelled by request';
    } else if (this.result && !this.result.ok) {
      status = 'failed';
      reason = this.result.message;
    } else {
      status = 'failed';
      reason = startError ?? this.describeExit(code, signal);
    }
    if (status === 'succeeded') {
      try {
        await this.o.store.writeWithRetry(`recording the expected effect of run ${this.runId}`, () => recordRunEffect(this.o.store, this.o.run));
      } catch (err) {
        console.warn(`benchtop: run ${this.runId}: could not check its expected effect: ${(err as Error).message}`);
      }
    }
    let final: RunRecord;
    try {
      const endedAt = Date.now();
      final = await this.o.store.writeWithRetry(`recording the end of run ${this.runId}`, () =>
        this.o.store.runs.transition(this.runId, status, { endedAt, exitReason: reason }),
      );
    } catch (err) {
      // e.g. the store was closed under us; report what we know.
      final = { ...this.o.run, status, exitReason: reason, endedAt: Date.now() };
      console.warn(`benchtop: could not record the end of run ${this.runId}: ${(err as Error).message}`);
    }
    this.markExited();
    this.o.onFinished(final);
  }
}
