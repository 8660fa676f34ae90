/** Every CLI command, in `benchtop help` order. Adding a command: one file, one line here. */
import type { CliCommand } from '../registry';
import { runCommand } from './run';
import { sweepCommand } from './sweep';
import { resumeCommand } from './resume';
import { listCommand } from './list';
import { showCommand } from './show';
import { cancelCommand } from './cancel';
import { serveCommand } from './serve';
import { initModelCommand } from './initModel';
import { benchCommand } from './bench';
import { scoreCommand } from './score';
import { generateCommand } from './generate';
import { exportCommand } from './export';
import { importCommand } from './import';
import { schemaCommand } from './schema';
import { exportLaunchCommand } from './exportLaunch';

export const COMMANDS: readonly CliCommand[] = [
  runCommand,
  sweepCommand,
  resumeCommand,
  listCommand,
  showCommand,
  cancelCommand,
  exportCommand,
  importCommand,
  exportLaunchCommand,
  serveCommand,
  initModelCommand,
  benchCommand,
  scoreCommand,
  generateCommand,
  schemaCommand,
];
