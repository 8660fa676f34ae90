/**
 * The CLI's command table. A command is one file in src/cli/commands exporting a CliCommand,
 * plus one line in commands/index.ts. Commands get argv after their name and a context; they
 * return the process exit code.
 */
export interface CliIo {
  /** One line to stdout (results). */
  out(line: string): void;
  /** One line to stderr (progress, warnings, errors). */
  err(line: string): void;
}

export interface CliContext extends CliIo {
  /** The data folder (--home, else BENCHTOP_HOME, else the OS default). */
  home: string;
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  env: NodeJS.ProcessEnv;
  /** --debug or BENCHTOP_DEBUG: show stack traces (of the CLI's errors and in run error events). */
  debug?: boolean;
}

export interface CliCommand {
  name: string;
  /** One line for `benchtop help`. */
  summary: string;
  /** Usage line(s), printed with `--help` and after a usage error. */
  usage: string;
  run(argv: readonly string[], ctx: CliContext): Promise<number>;
}

/** Thrown for a bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends Error {}

export const EXIT = { ok: 0, failed: 1, usage: 2, cancelled: 130 } as const;
