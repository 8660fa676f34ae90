/**
 * What a CLI command that follows runs does with its terminal's signals: Ctrl-C and SIGTERM call
 * `onInterrupt` (the caller counts repeats: a second Ctrl-C stops at once); SIGHUP means the
 * terminal is gone, so writing to it would fail (EIO/EPIPE) — output is muted, write errors are
 * swallowed, then `onInterrupt` runs as for Ctrl-C. `out`/`err` write only while the terminal is there.
 */
import type { CliContext } from './registry';

export interface TerminalSignals {
  /** True once the terminal hung up. */
  hungUp(): boolean;
  out(line: string): void;
  err(line: string): void;
  /** Remove the handlers (in a `finally`). */
  dispose(): void;
}

export function watchTerminalSignals(ctx: CliContext, onInterrupt: () => void): TerminalSignals {
  let hungUp = false;
  const swallow = () => undefined;
  const onHangup = () => {
    hungUp = true;
    ctx.stdout.on('error', swallow);
    ctx.stderr.on('error', swallow);
    onInterrupt();
  };
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  process.on('SIGHUP', onHangup);
  return {
    hungUp: () => hungUp,
    out: (line) => void (!hungUp && ctx.out(line)),
    err: (line) => void (!hungUp && ctx.err(line)),
    dispose() {
      process.off('SIGINT', onInterrupt);
      process.off('SIGTERM', onInterrupt);
      process.off('SIGHUP', onHangup);
    },
  };
}
