import { describe, expect, it } from 'vitest';
import { entryNameProblem, NameSet, safeSegment } from '../../../src/core/bundles/entryNames';

describe('bundle entry names', () => {
  it('accepts ordinary relative paths', () => {
    for (const ok of ['manifest.json', 'artifacts/model/config.json', 'plots/eval/arith/accuracy.svg', 'artifacts/external/1/adapter_model.safetensors', 'a/b=3,c.txt']) {
      expect(entryNameProblem(ok), ok).toBeNull();
    }
  });

  it('refuses every name that could escape the folder or alias another file', () => {
    const bad: [string, RegExp][] = [
      ['../evil', /escape/],
      ['artifacts/../../evil', /escape/],
      ['./a', /'\.' segment/],
      ['/etc/passwd', /absolute/],
      ['C:/Windows/x', /drive letter/],
      ['c:evil', /drive letter/],
      ['artifacts\\..\\evil', /backslash/],
      ['a//b', /empty path segment/],
      ['a/', /empty path segment/],
      ['', /empty name/],
      ['a\u0000b', /control character/],
      ['file.txt:stream', /control character or one of/],
      ['artifacts/CON', /device name/],
      ['artifacts/nul.txt', /device name/],
      ['artifacts/trailing.', /ends with a dot/],
      ['x'.repeat(500), /longer than/],
    ];
    for (const [name, why] of bad) expect(entryNameProblem(name), JSON.stringify(name)).toMatch(why);
  });

  it('safeSegment always yields an accepted segment', () => {
    for (const s of ['', '.', '..', 'CON', 'a:b', 'we ird/na\\me', 'ends.', '<script>']) {
      expect(entryNameProblem(`x/${safeSegment(s)}`), s).toBeNull();
    }
  });

  it('NameSet keeps names unique ignoring case', () => {
    const n = new NameSet();
    expect(n.unique('plots/loss', '.svg')).toBe('plots/loss.svg');
    expect(n.unique('plots/LOSS', '.svg')).toBe('plots/LOSS-2.svg');
    expect(n.unique('plots/loss', '.svg')).toBe('plots/loss-3.svg');
  });
});
