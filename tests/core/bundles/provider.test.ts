import { describe, expect, it } from 'vitest';
import { providerOf } from '../../../src/core/bundles/manifest';

describe('execution provider of a run (manifest and report)', () => {
  it('names the provider the run ran on, not one that was only tried', () => {
    // The notice src/engine/onnx/session.ts records when `auto` falls back to the CPU.
    expect(providerOf('running on CPU: CUDA: the provider library is not installed (run `npm run setup:cuda`); WebGPU: no Vulkan loader (libvulkan.so.1) on this machine')).toBe('cpu');
    expect(providerOf('running on WebGPU: CUDA: the provider library is not installed')).toBe('webgpu');
    expect(providerOf('running on CUDA: ')).toBe('cuda');
    expect(providerOf('cpu')).toBe('cpu');
    expect(providerOf('cuda (device 0)')).toBe('cuda');
    expect(providerOf('cpu (test fixture)')).toBe('cpu');
    expect(providerOf('something else entirely')).toBeNull();
    expect(providerOf(null)).toBeNull();
  });
});
