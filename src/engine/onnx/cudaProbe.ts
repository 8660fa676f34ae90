/**
 * Whether the CUDA execution provider can be tried: its provider library sits beside the
 * onnxruntime-node binding (`npm run setup:cuda` puts it there). The one probe: the session
 * factory uses it before trying CUDA, the app's About page to list the provider. Does not load
 * onnxruntime-node, so the app can ask even where the runtime cannot load.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export function cudaLibraryInstalled(): boolean {
  try {
    const req = createRequire(import.meta.url);
    const pkg = dirname(req.resolve('onnxruntime-node/package.json'));
    const dir = join(pkg, 'bin', 'napi-v6', process.platform, process.arch);
    const lib = process.platform === 'win32' ? 'onnxruntime_providers_cuda.dll' : 'libonnxruntime_providers_cuda.so';
    return existsSync(join(dir, lib));
  } catch {
    return false;
  }
}
