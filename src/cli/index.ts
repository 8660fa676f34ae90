/**
 * The headless CLI: `benchtop <command> [options]`. Global options: --home DIR (data folder,
 * else BENCHTOP_HOME, else the OS default), --help, --version. Commands live in ./commands.
 *
 * Errors a user can act on are printed as one message, never as a stack trace; `--debug` (or
 * BENCHTOP_DEBUG=1) adds the stack of an unexpected error, for a bug report.
 *
 * Development/test hook: BENCHTOP_RUNNER_ENTRY=<script> makes runs execute another runner
 * entry (e.g. tests/fixtures/runner-fixture.ts) instead of src/core/runner/entry.ts.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../core/paths';
import { packageRoot } from '../core/runner/locate';
import { COMMANDS } from './commands';
import { EXIT, UsageError, type CliCommand, type CliContext } from './registry';

export { COMMANDS } from './commands';
export type { CliCommand, CliContext } from './registry';

function version(): string {
  try {
    return String(JSON.parse(readFileSync(join(packageRoot(), 'package.json'), 'utf8')).version);
  } catch {
    return 'unknown';
  }
}

function help(ctx: Pick<CliContext, 'out'>): void {
  ctx.out('usage: benchtop [--home DIR] <command> [options]');
  ctx.out('');
  const w = Math.max(...COMMANDS.map((c) => c.name.length));
  for (const c of COMMANDS) ctx.out(`  ${c.name.padEnd(w)}  ${c.summary}`);
  ctx.out('');
  ctx.out('  --home DIR  data folder (default: $BENCHTOP_HOME, else the per-user app data folder)');
  ctx.out('  --debug     print the stack trace of an unexpected error (also BENCHTOP_DEBUG=1)');
  ctx.out('Run `benchtop <command> --help` for a command\'s options.');
}

/** Split global options (anywhere before the command name) from the rest. */
function globalOptions(argv: readonly string[]): { home?: string; help: boolean; version: boolean; debug: boolean; rest: string[] } {
  const out = { home: undefined as string | undefined, help: false, version: false, debug: false, rest: [] as string[] };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--home') {
      if (i + 1 >= argv.length) throw new UsageError('--home: expected a folder');
      out.home = argv[++i];
    } else if (a.startsWith('--home=')) out.home = a.slice('--home='.length);
    else if (a === '--help' || a === '-h') out.help = true;
    else if (a === '--version' || a === '-v') out.version = true;
    else if (a === '--debug') out.debug = true;
    else break;
  }
  // --home and --debug may also follow the command name.
  const rest = argv.slice(i);
  for (let j = 1; j < rest.length; j++) {
    if (rest[j] === '--debug') {
      out.debug = true;
      rest.splice(j, 1);
      j--;
    } else if (rest[j] === '--home' && j + 1 < rest.length) {
      out.home = rest[j + 1];
      rest.splice(j, 2);
      j--;
    } else if (rest[j].startsWith('--home=')) {
      out.home = rest[j].slice('--home='.length);
      rest.splice(j, 1);
      j--;
    }
  }
  out.rest = rest;
  return out;
}

export function findCommand(name: string): CliCommand | undefined {
  return COMMANDS.find((c) => c.name === name);
}

/** BENCHTOP_DEBUG set to anything but '', '0' or 'false'. */
export function debugFromEnv(env: NodeJS.ProcessEnv): boolean {
  const v = env.BENCHTOP_DEBUG;
  return v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const io = {
    out: (line: string) => void process.stdout.write(line + '\n'),
    err: (line: string) => void process.stderr.write(line + '\n'),
  };
  let g;
  try {
    g = globalOptions(argv);
  } catch (err) {
    io.err(`benchtop: ${(err as Error).message}`);
    return EXIT.usage;
  }
  if (g.version) {
    io.out(version());
    return EXIT.ok;
  }
  const [name, ...rest] = g.rest;
  if (!name || name === 'help') {
    const target = rest[0] && findCommand(rest[0]);
    if (target) io.out(`usage: ${target.usage}`);
    else help(io);
    return name || g.help ? EXIT.ok : EXIT.usage;
  }
  const cmd = findCommand(name);
  if (!cmd) {
    io.err(`benchtop: unknown command '${name}'. Commands: ${COMMANDS.map((c) => c.name).join(', ')}`);
    return EXIT.usage;
  }
  if (g.help || rest.includes('--help') || rest.includes('-h')) {
    io.out(`usage: ${cmd.usage}`);
    io.out(cmd.summary);
    return EXIT.ok;
  }
  const ctx: CliContext = {
    ...io,
    home: g.home ? resolve(g.home) : defaultDataDir(env),
    stdout: process.stdout,
    stderr: process.stderr,
    env,
    debug: g.debug || debugFromEnv(env),
  };
  try {
    return await cmd.run(rest, ctx);
  } catch (err) {
    if (err instanceof UsageError) {
      io.err(`benchtop ${cmd.name}: ${err.message}`);
      io.err(`usage: ${cmd.usage}`);
      return EXIT.usage;
    }
    io.err(`benchtop ${cmd.name}: ${err instanceof Error ? err.message : String(err)}`);
    if ((g.debug || debugFromEnv(env)) && err instanceof Error && err.stack) io.err(err.stack);
    return EXIT.failed;
  }
}
