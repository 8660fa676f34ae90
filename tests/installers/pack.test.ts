/**
 * A real `electron-builder --dir --linux` pack of the built app, with a stand-in for the Electron
 * binary (which cannot be downloaded here): a small file carrying Electron's fuse wire with its
 * default values, given as `electronDist`. Everything electron-builder does after fetching
 * Electron runs for real — choosing and packing the app's files into app.asar, unpacking the
 * native ones, copying the extra resources, flipping the fuses in the executable — and the test
 * reads the result: the archive's listing, the unpacked onnxruntime binding (loaded in a child
 * Node process), the shipped model byte for byte, the fuse wire, and where the app resolves its
 * resources in that layout. What remains unchecked is Electron itself starting the app.
 * Needs the built app (`npm run build`; `npm test` builds first).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, relative, resolve, sep } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveModelFolder } from '../../src/engine/toolkit/modelRef';
import { shippedResourcesDir } from '../../src/engine/toolkit/resources';

const root = resolve(__dirname, '..', '..');
const require = createRequire(join(root, 'package.json'));
const asar = require('@electron/asar') as { listPackage(archive: string, o?: object): string[]; extractFile(archive: string, file: string): Buffer };
const fuses = require('@electron/fuses') as {
  getCurrentFuseWire(exe: string): Promise<Record<string, number | string>>;
  FuseV1Options: Record<string, number>;
};

// Electron's fuse sentinel and wire (version 1, 8 fuses) with Electron's defaults:
// RunAsNode, NodeOptions, NodeCliInspect and GrantFileProtocolExtraPrivileges on, the rest off.
const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
const DEFAULT_WIRE = '10110001';
const ON = 0x31;
const OFF = 0x30;

const ORT = 'node_modules/onnxruntime-node/bin/napi-v6';
const linuxX64 = process.platform === 'linux' && process.arch === 'x64';
let work: string;
let unpackedApp: string;
let resourcesDir: string;
let archive: string;
let listing: string[];

const sha256 = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .map((f) => f.split(sep).join('/'))
    .sort();
}

describe.runIf(linuxX64)('electron-builder --dir --linux with a stand-in Electron', () => {
  beforeAll(() => {
    if (!existsSync(join(root, 'out/main/index.js'))) throw new Error('the app is not built: run `npm run build` (npm test builds before testing)');
    work = mkdtempSync(join(tmpdir(), 'benchtop-pack-'));
    const dist = join(work, 'electron-dist');
    mkdirSync(dist);
    const stub = Buffer.concat([Buffer.from('#!/bin/sh\nexit 0\n# '), Buffer.from(SENTINEL), Buffer.from([1, DEFAULT_WIRE.length]), Buffer.from(DEFAULT_WIRE), Buffer.from('\n')]);
    writeFileSync(join(dist, 'electron'), stub, { mode: 0o755 });
    const electronVersion = JSON.parse(readFileSync(join(root, 'node_modules/electron/package.json'), 'utf8')).version as string;
    const r = spawnSync(
      process.execPath,
      [require.resolve('electron-builder/cli.js'), '--dir', '--linux', '--x64', `-c.electronDist=${dist}`, `-c.electronVersion=${electronVersion}`, `-c.directories.output=${join(work, 'out')}`],
      { cwd: root, encoding: 'utf8', timeout: 240_000, env: { ...process.env, ELECTRON_BUILDER_CACHE: join(work, 'cache') } },
    );
    if (r.status !== 0) throw new Error(`electron-builder failed (${r.status ?? r.signal}):\n${r.stdout}\n${r.stderr}`);
    unpackedApp = join(work, 'out', 'linux-unpacked');
    resourcesDir = join(unpackedApp, 'resources');
    archive = join(resourcesDir, 'app.asar');
    listing = asar.listPackage(archive, { isPack: false }).map((f) => f.split(sep).join('/'));
  }, 300_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('packs the built app, its production dependencies and nothing else of the project into app.asar', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string; dependencies: Record<string, string> };
    for (const f of [pkg.main, 'out/main/runner.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'package.json']) expect(listing, f).toContain(`/${f}`);
    const tops = new Set(listing.map((f) => f.split('/')[1]));
    expect([...tops].sort()).toEqual(['node_modules', 'out', 'package.json']);
    expect(listing.filter((f) => f.startsWith('/out/') && f.endsWith('.map'))).toEqual([]);
    for (const dep of Object.keys(pkg.dependencies)) expect(listing, dep).toContain(`/node_modules/${dep}/package.json`);
    expect(listing.some((f) => f.startsWith('/node_modules/electron-builder/') || f.startsWith('/node_modules/vitest/'))).toBe(false);
    // Benchtop finds its package root by this file's name (src/core/runner/locate.ts).
    const packed = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8'));
    expect({ name: packed.name, main: packed.main }).toEqual({ name: 'benchtop', main: pkg.main });
  });

  it('unpacks onnxruntime-node\'s linux x64 binding and library (only those), and the binding loads from there', () => {
    const unpacked = join(resourcesDir, 'app.asar.unpacked');
    const bin = filesUnder(join(unpacked, ORT));
    expect(bin).toEqual(filesUnder(join(root, ORT)).filter((f) => f.startsWith('linux/x64/')));
    expect(bin).toEqual(expect.arrayContaining(['linux/x64/onnxruntime_binding.node', 'linux/x64/libonnxruntime.so.1']));
    for (const f of bin) expect(sha256(join(unpacked, ORT, f)), f).toBe(sha256(join(root, ORT, f)));
    expect(listing.filter((f) => f.startsWith(`/${ORT}/`) && !f.startsWith(`/${ORT}/linux/x64`) && f !== `/${ORT}/linux`)).toEqual([]);
    // The OS loader finds libonnxruntime next to the binding, outside node_modules.
    const binding = join(unpacked, ORT, 'linux/x64/onnxruntime_binding.node');
    const r = spawnSync(process.execPath, ['-e', `const m = { exports: {} }; process.dlopen(m, ${JSON.stringify(binding)}); console.log(typeof m.exports.InferenceSession)`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function');
  });

  it('copies the built-in model and the launch records next to app.asar, byte for byte, where the packaged app looks', () => {
    for (const [from, to] of [['resources/models', 'models'], ['resources/launch', 'launch']] as const) {
      const files = filesUnder(join(root, from));
      expect(filesUnder(join(resourcesDir, to)), to).toEqual(files);
      for (const f of files) expect(sha256(join(resourcesDir, to, f)), f).toBe(sha256(join(root, from, f)));
    }
    // In this layout the app's package root is <resources>/app.asar: the resolution goes to Electron's resources folder.
    expect(shippedResourcesDir(archive, resourcesDir)).toBe(resourcesDir);
    const saved = Object.getOwnPropertyDescriptor(process, 'resourcesPath');
    Object.defineProperty(process, 'resourcesPath', { value: resourcesDir, configurable: true });
    try {
      const model = resolveModelFolder('builtin:benchtop-tiny', work, archive);
      expect(model).toBe(join(resourcesDir, 'models', 'benchtop-tiny'));
      expect(existsSync(join(model, 'model.safetensors'))).toBe(true);
    } finally {
      if (saved) Object.defineProperty(process, 'resourcesPath', saved);
      else delete (process as { resourcesPath?: string }).resourcesPath;
    }
  });

  it('flips the fuses in the packaged executable', async () => {
    const exe = join(unpackedApp, 'benchtop-desktop');
    expect(relative(unpackedApp, exe)).toBe('benchtop-desktop');
    const wire = await fuses.getCurrentFuseWire(exe);
    const O = fuses.FuseV1Options;
    expect({
      RunAsNode: wire[O.RunAsNode!],
      EnableCookieEncryption: wire[O.EnableCookieEncryption!],
      EnableNodeOptionsEnvironmentVariable: wire[O.EnableNodeOptionsEnvironmentVariable!],
      EnableNodeCliInspectArguments: wire[O.EnableNodeCliInspectArguments!],
      EnableEmbeddedAsarIntegrityValidation: wire[O.EnableEmbeddedAsarIntegrityValidation!],
      OnlyLoadAppFromAsar: wire[O.OnlyLoadAppFromAsar!],
      LoadBrowserProcessSpecificV8Snapshot: wire[O.LoadBrowserProcessSpecificV8Snapshot!],
      GrantFileProtocolExtraPrivileges: wire[O.GrantFileProtocolExtraPrivileges!],
    }).toEqual({
      RunAsNode: OFF,
      EnableCookieEncryption: ON,
      EnableNodeOptionsEnvironmentVariable: OFF,
      EnableNodeCliInspectArguments: OFF,
      EnableEmbeddedAsarIntegrityValidation: ON,
      OnlyLoadAppFromAsar: ON,
      // Not configured: left as Electron ships it.
      LoadBrowserProcessSpecificV8Snapshot: OFF,
      GrantFileProtocolExtraPrivileges: OFF,
    });
    // The stand-in started with Electron's defaults, so six of these were really flipped.
    expect(DEFAULT_WIRE).toBe('10110001');
  });
});
