/** Runtime facts for the About page and run records: ONNX Runtime version and providers. */
import { createRequire } from 'node:module';
import { cudaLibraryInstalled } from '../engine/onnx/cudaProbe';

const require = createRequire(import.meta.url);

interface OrtModule {
  env: { versions?: Record<string, string> };
  listSupportedBackends?: () => { name: string; bundled: boolean }[];
}

function loadOrt(): OrtModule | null {
  try {
    return require('onnxruntime-node') as OrtModule;
  } catch {
    return null;
  }
}

export function ortVersion(): string | null {
  try {
    const v = loadOrt()?.env.versions;
    return v?.node ?? v?.common ?? null;
  } catch {
    return null;
  }
}

/** Providers usable without trying a session: CUDA only when its provider library was
 * installed next to the binding (`npm run setup:cuda`); CPU always. WebGPU needs an adapter,
 * which only a session can find, so the engine reports it per run (RunRecord.device). */
export function availableProviders(): string[] {
  const out: string[] = [];
  if (cudaLibraryInstalled()) out.push('cuda');
  out.push('cpu');
  return out;
}
