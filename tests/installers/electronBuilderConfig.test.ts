/**
 * The installer configuration (electron-builder.yml), checked the way electron-builder itself
 * would use it — without the Electron binary, which cannot be downloaded here:
 *  - loaded by electron-builder's own config loader and validated by its own validation (its
 *    scheme.json through the same function `electron-builder` runs), and a planted mistake fails;
 *  - the files it would pack for each platform, selected by electron-builder's own matchers and
 *    file walker: the built app and nothing else of the project, the built-in model and launch
 *    records as extra resources, onnxruntime's native files unpacked, only the target's binaries;
 *  - the Electron fuses are the ones decision 0034 lists.
 * The matchers are app-builder-lib internals (pinned by package-lock): if an upgrade moves them,
 * this test fails loudly rather than passing without checking. pack.test.ts packs for real (Linux).
 */
import { existsSync, readFileSync, readdirSync, statSync, type Stats } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(__dirname, '..', '..');
const require = createRequire(join(root, 'package.json'));

type Config = Record<string, unknown> & {
  electronFuses?: Record<string, boolean>;
  linux?: PlatformOptions;
  win?: PlatformOptions;
  mac?: PlatformOptions;
};
type PlatformOptions = Record<string, unknown> & { target?: Array<{ target: string; arch: string[] }> };
type Filter = (file: string, stat: Stats & { moduleFullFilePath?: string }) => boolean;
interface FileMatcher {
  from: string;
  to: string;
  patterns: string[];
  createFilter(): Filter;
}

const configModule = require('app-builder-lib/out/util/config/config') as {
  getConfig(projectDir: string, configPath: string | null, fromOptions: null): Promise<Config>;
  validateConfiguration(config: Config, logger: unknown): Promise<void>;
};
const matcherModule = require('app-builder-lib/out/fileMatcher') as {
  FileMatcher: new (from: string, to: string, expand: (s: string) => string, patterns?: string[]) => FileMatcher;
  getFileMatchers(config: Config, name: string, dest: string, o: { macroExpander: (s: string) => string; customBuildOptions: PlatformOptions; globalOutDir: string; defaultSrc: string }): FileMatcher[] | null;
  getNodeModuleFileMatcher(appDir: string, dest: string, expand: (s: string) => string, platform: PlatformOptions, packager: { config: Config; debugLogger: unknown }): FileMatcher;
  getMainFileMatchers(appDir: string, dest: string, expand: (s: string) => string, platform: PlatformOptions, packager: { info: Record<string, unknown> }, outDir: string, electronCompile: boolean): FileMatcher[];
};
const copierModule = require('app-builder-lib/out/util/appFileCopier') as {
  computeFileSets(matchers: FileMatcher[], transformer: null, packager: { info: Record<string, unknown> }, electronCompile: boolean): Promise<Array<{ files: string[]; metadata: Map<string, Stats> }>>;
};
const { DebugLogger } = require('builder-util') as { DebugLogger: new (enabled: boolean) => unknown };

const loadConfig = () => configModule.getConfig(root, null, null);
const validate = (c: Config) => configModule.validateConfiguration(c, new DebugLogger(false));
const expand = (s: string) => s;
const DEST = '/packed/app';
const OUT = join(root, 'dist');

/** Every file under `dir` that a filter keeps, relative to `dir` (directories the filter drops are not entered). */
function walk(dir: string, keep: (abs: string, stat: Stats) => boolean): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const abs = join(dir, name);
    const stat = statSync(abs);
    if (!keep(abs, stat)) continue;
    if (stat.isDirectory()) out.push(...walk(abs, keep).map((f) => join(name, f)));
    else out.push(name);
  }
  return out;
}

/**
 * The app's own files (not node_modules, which electron-builder adds from the production
 * dependencies) that electron-builder would pack for a platform, relative to the project: its
 * own getMainFileMatchers and computeFileSets, as the platform packager calls them.
 */
async function packedAppFiles(config: Config, platform: PlatformOptions): Promise<string[]> {
  const info = { projectDir: root, appDir: root, buildResourcesDir: 'build', isPrepackedAppAsar: false, areNodeModulesHandledExternally: false, config, debugLogger: new DebugLogger(false) };
  const matchers = matcherModule.getMainFileMatchers(root, DEST, expand, platform, { info }, OUT, false);
  const sets = await copierModule.computeFileSets(matchers, null, { info }, false);
  return sets.flatMap((set) => set.files.filter((f) => !set.metadata.get(f)?.isDirectory()).map((f) => relative(root, f).split(sep).join('/')));
}

/** How NodeModuleCopyHelper asks a filter about a dependency's file: by its path under node_modules/. */
function asModuleFile(rel: string): Stats & { moduleFullFilePath: string } {
  const stat = statSync(join(root, rel)) as Stats & { moduleFullFilePath: string };
  stat.moduleFullFilePath = rel;
  return stat;
}

const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';
const NODE_PLATFORM = { linux: 'linux', win: 'win32', mac: 'darwin' } as const;

describe('electron-builder.yml', () => {
  it('is the configuration electron-builder loads, and passes its own validation', async () => {
    const config = await loadConfig();
    expect(config.appId).toBe('org.benchtop.desktop');
    await expect(validate(config)).resolves.toBeUndefined();
  });

  it('fails that validation when a mistake is planted (so the check above can fail)', async () => {
    const config = await loadConfig();
    await expect(validate({ ...config, electronFuses: { ...config.electronFuses, runAsNod: false } })).rejects.toThrow(/electronFuses/);
    await expect(validate({ ...config, extraResource: [{ from: 'resources/models', to: 'models' }] })).rejects.toThrow(/extraResource/);
    await expect(validate({ ...config, asarUnpack: [{ from: 'node_modules' }] })).rejects.toThrow(/asarUnpack/);
    await expect(validate({ ...config, nsis: { ...(config.nsis as object), oneClik: false } })).rejects.toThrow(/nsis/);
  });

  it('sets the Electron fuses of decision 0034', async () => {
    const { electronFuses } = await loadConfig();
    expect(electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it('builds AppImage + deb, NSIS and dmg, each for an architecture onnxruntime-node ships a binding for', async () => {
    const config = await loadConfig();
    const targets = (['linux', 'win', 'mac'] as const).flatMap((p) =>
      (config[p]?.target ?? []).flatMap((t) => t.arch.map((arch) => ({ platform: p, target: t.target, arch }))),
    );
    expect(targets.map((t) => `${t.platform}:${t.target}`).sort()).toEqual(['linux:AppImage', 'linux:deb', 'mac:dmg', 'win:nsis']);
    for (const t of targets) {
      expect(existsSync(join(root, ORT_BIN, NODE_PLATFORM[t.platform], t.arch, 'onnxruntime_binding.node')), `${t.platform} ${t.arch}`).toBe(true);
    }
  });

  it('copies the built-in model and the launch records as extra resources, where the app looks for them', async () => {
    const config = await loadConfig();
    const matchers = matcherModule.getFileMatchers(config, 'extraResources', DEST, { macroExpander: expand, customBuildOptions: config.linux ?? {}, globalOutDir: OUT, defaultSrc: root })!;
    const copied = new Map<string, string[]>();
    for (const m of matchers) {
      const filter = m.createFilter();
      copied.set(relative(DEST, m.to), walk(m.from, (abs, stat) => filter(abs, stat)).sort());
    }
    // The packaged app resolves builtin:<name> to <resourcesPath>/models/<name> and the launch
    // records to <resourcesPath>/launch (tests/installers/resources.test.ts).
    const model = readdirSync(join(root, 'resources/models/benchtop-tiny')).map((f) => join('benchtop-tiny', f)).sort();
    expect(copied.get('models')).toEqual(model);
    expect(model).toEqual(expect.arrayContaining(['benchtop-tiny/model.safetensors', 'benchtop-tiny/tokenizer.json', 'benchtop-tiny/config.json']));
    expect(copied.get('launch')).toEqual(expect.arrayContaining(['benchtop_rewards.py', 'targets/trl-grpo-config.json', 'targets/verl-ppo-trainer.json']));
    expect(copied.get('launch')!.length).toBe(walk(join(root, 'resources/launch'), () => true).length);
  });

  it('packs the built app and nothing else of the project, on every platform', async () => {
    const config = await loadConfig();
    const main = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).main as string;
    const built = existsSync(join(root, 'out'));
    for (const platform of ['linux', 'win', 'mac'] as const) {
      const files = await packedAppFiles(config, config[platform]!);
      const outside = files.filter((f) => f !== 'package.json' && !f.startsWith('out/'));
      expect(outside, platform).toEqual([]);
      expect(files.filter((f) => f.endsWith('.map')), platform).toEqual([]);
      expect(files, platform).toContain('package.json');
      // The entry files exist once the app is built (npm test builds before it runs the tests).
      if (built) expect(files, platform).toEqual(expect.arrayContaining([main, 'out/main/runner.js', 'out/preload/index.cjs', 'out/renderer/index.html']));
    }
  });

  it('would pack the whole project if a platform listed only exclusions (the check above can fail)', async () => {
    const config = await loadConfig();
    const onlyExclusions = { ...config.linux, files: ['!node_modules/onnxruntime-node/bin/napi-v6/{darwin,win32}/**'] };
    const files = await packedAppFiles(config, onlyExclusions);
    expect(files).toEqual(expect.arrayContaining(['src/main/index.ts', 'tests/installers/electronBuilderConfig.test.ts']));
  });

  it('unpacks onnxruntime-node\'s native files from the archive', async () => {
    const config = await loadConfig();
    const [unpack] = matcherModule.getFileMatchers(config, 'asarUnpack', DEST, { macroExpander: expand, customBuildOptions: config.linux ?? {}, globalOutDir: OUT, defaultSrc: root })!;
    const unpacks = unpack!.createFilter();
    const linuxBin = readdirSync(join(root, ORT_BIN, 'linux/x64')).map((f) => `${ORT_BIN}/linux/x64/${f}`);
    expect(linuxBin).toEqual(expect.arrayContaining([`${ORT_BIN}/linux/x64/onnxruntime_binding.node`, `${ORT_BIN}/linux/x64/libonnxruntime.so.1`]));
    for (const f of linuxBin) expect(unpacks(join(root, f), asModuleFile(f)), f).toBe(true);
    for (const f of ['node_modules/onnxruntime-node/dist/index.js', 'node_modules/onnxruntime-node/package.json']) expect(unpacks(join(root, f), asModuleFile(f)), f).toBe(false);
  });

  it('keeps only the target platform\'s onnxruntime binaries in each installer', async () => {
    const config = await loadConfig();
    for (const platform of ['linux', 'win', 'mac'] as const) {
      const options = config[platform]!;
      const moduleMatcher = matcherModule.getNodeModuleFileMatcher(root, DEST, expand, options, { config, debugLogger: new DebugLogger(false) });
      // As the copier builds it for one dependency (appFileCopier.computeNodeModuleFileSets).
      const dep = join(root, 'node_modules/onnxruntime-node');
      const keeps = new matcherModule.FileMatcher(dep, join(DEST, 'node_modules/onnxruntime-node'), expand, moduleMatcher.patterns).createFilter();
      for (const os of ['linux', 'win32', 'darwin']) {
        for (const arch of readdirSync(join(root, ORT_BIN, os))) {
          const f = `${ORT_BIN}/${os}/${arch}/onnxruntime_binding.node`;
          const wanted = options.target!.some((t) => NODE_PLATFORM[platform] === os && t.arch.includes(arch));
          expect(keeps(join(root, f), asModuleFile(f)), `${platform}: ${f}`).toBe(wanted);
        }
      }
      expect(keeps(join(dep, 'dist/index.js'), asModuleFile('node_modules/onnxruntime-node/dist/index.js')), platform).toBe(true);
    }
  });
});
