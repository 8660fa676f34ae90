/**
 * The real preflight (src/core/preflight.ts) behind stdin/stdout, one JSON request per line:
 * {id, config, dataDir} → {id, result}. Renderer tests run in a DOM environment whose module
 * URLs are not file: URLs, so the engine modules preflight needs run here, in Node, as they do
 * in the app's backend.
 */
import { createInterface } from 'node:readline';
import { preflightRun } from '../../src/core/preflight';

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const req = JSON.parse(line) as { id: number; config: unknown; dataDir: string };
  preflightRun(req.config, { dataDir: req.dataDir }).then(
    (result) => process.stdout.write(JSON.stringify({ id: req.id, result }) + '\n'),
    (err: unknown) => process.stdout.write(JSON.stringify({ id: req.id, error: String(err) }) + '\n'),
  );
});
process.stdout.write(JSON.stringify({ ready: true }) + '\n');
