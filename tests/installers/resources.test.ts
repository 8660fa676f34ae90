/**
 * Where the shipped resources are found: <package root>/resources from a checkout, Electron's
 * resources folder (where electron-builder.yml's extraResources puts them) in an installed app.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isInsideAsar, shippedResourcesDir } from '../../src/engine/toolkit/resources';
import { resolveModelFolder } from '../../src/engine/toolkit/modelRef';
import { defaultBuiltinModelsDir } from '../../src/core/builtinModels';
import { launchResourcesDir } from '../../src/core/launch/targets';

const repo = resolve(__dirname, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'benchtop-resources-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('shipped resources', () => {
  it('recognises a package root inside an asar archive', () => {
    expect(isInsideAsar('/opt/Benchtop/resources/app.asar')).toBe(true);
    expect(isInsideAsar('C:\\Program Files\\Benchtop\\resources\\app.asar')).toBe(true);
    expect(isInsideAsar('/Applications/Benchtop.app/Contents/Resources/app.asar/out/main')).toBe(true);
    expect(isInsideAsar('/home/me/benchtop')).toBe(false);
    expect(isInsideAsar('/home/me/my.asar.d/benchtop')).toBe(false);
  });

  it('are <package root>/resources from a checkout, even under Electron (npm start has a resourcesPath too)', () => {
    expect(shippedResourcesDir('/home/me/benchtop', undefined)).toBe(join('/home/me/benchtop', 'resources'));
    expect(shippedResourcesDir('/home/me/benchtop', '/home/me/benchtop/node_modules/electron/dist/resources')).toBe(join('/home/me/benchtop', 'resources'));
  });

  it('are Electron\'s resources folder when the app runs from app.asar, and an error says so when that folder is unknown', () => {
    expect(shippedResourcesDir('/opt/Benchtop/resources/app.asar', '/opt/Benchtop/resources')).toBe('/opt/Benchtop/resources');
    expect(() => shippedResourcesDir('/opt/Benchtop/resources/app.asar', undefined)).toThrow(/process\.resourcesPath/);
  });

  it('resolve builtin:<name> in an installed layout: <resourcesPath>/models/<name>', () => {
    // The layout electron-builder writes: resources/app.asar (the app) next to resources/models.
    const resourcesPath = join(tmp, 'resources');
    const model = join(resourcesPath, 'models', 'benchtop-tiny');
    mkdirSync(model, { recursive: true });
    writeFileSync(join(model, 'config.json'), '{}');
    const asar = join(resourcesPath, 'app.asar');
    const saved = Object.getOwnPropertyDescriptor(process, 'resourcesPath');
    Object.defineProperty(process, 'resourcesPath', { value: resourcesPath, configurable: true });
    try {
      expect(resolveModelFolder('builtin:benchtop-tiny', tmp, asar)).toBe(model);
      expect(() => resolveModelFolder('builtin:other', tmp, asar)).toThrow(new RegExp(`expected ${join(resourcesPath, 'models', 'other').replace(/[\\/.]/g, '\\$&')}`));
    } finally {
      if (saved) Object.defineProperty(process, 'resourcesPath', saved);
      else delete (process as { resourcesPath?: string }).resourcesPath;
    }
  });

  it('resolve from this checkout to the repository\'s resources folder', () => {
    expect(resolveModelFolder('builtin:benchtop-tiny', tmp)).toBe(join(repo, 'resources', 'models', 'benchtop-tiny'));
    expect(defaultBuiltinModelsDir()).toBe(join(repo, 'resources', 'models'));
    expect(launchResourcesDir()).toBe(join(repo, 'resources', 'launch'));
    expect(existsSync(join(launchResourcesDir(), 'benchtop_rewards.py'))).toBe(true);
  });
});
