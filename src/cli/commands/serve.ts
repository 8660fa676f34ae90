/** `benchtop serve`: browser mode — the app's UI at http://127.0.0.1:PORT/?token=… */
import { startServer } from '../../core/server/server';
import { intOption, parseCommandArgs } from '../args';
import { openCliBackend } from '../home';
import { EXIT, UsageError, type CliCommand } from '../registry';

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'serve the Benchtop UI to a browser on 127.0.0.1 (token-protected) until Ctrl-C',
  usage: 'benchtop serve [--port N (default: a free port)] [--host 127.0.0.1] [--renderer DIR (default out/renderer)]',
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(argv, {
      port: { type: 'string' },
      host: { type: 'string' },
      renderer: { type: 'string' },
    });
    if (positionals.length) throw new UsageError(`unexpected argument '${positionals[0]}'`);
    const port = intOption('port', values.port, 0, 65535);
    const backend = await openCliBackend(ctx, { mode: 'browser', execute: true });
    let server;
    try {
      server = await startServer(backend, { port, host: values.host, rendererDir: values.renderer });
    } catch (err) {
      await backend.close();
      ctx.err(`benchtop serve: ${(err as Error).message}`);
      return EXIT.failed;
    }
    ctx.out(`Benchtop is running at ${server.url}`);
    ctx.err(`data folder: ${backend.dataDir} — press Ctrl-C to stop`);
    await new Promise<void>((resolve) => {
      // SIGHUP: the terminal was closed; stop the same way (runs marked interrupted).
      const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
      const stop = () => {
        for (const s of signals) process.off(s, stop);
        resolve();
      };
      for (const s of signals) process.on(s, stop);
    });
    ctx.err('stopping: runs still running are stopped and marked interrupted (resume them later)');
    await server.close();
    await backend.close();
    return EXIT.ok;
  },
};
