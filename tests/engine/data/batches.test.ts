import { describe, expect, it } from 'vitest';
import { IGNORE_INDEX, MixtureStream, encodeExample, makeBatch } from '../../../src/engine/data/batches';
import { charTokenizerFiles, tokenizerFromJson } from '../../../src/engine/model/tokenizer';

const tk = charTokenizerFiles();
const tok = tokenizerFromJson(tk.json, tk.config);

describe('token batches', () => {
  it('shifts targets by one and masks the prompt for completion-only loss (hand-worked)', () => {
    // "1+2=" → "3": ids = <bos> 1 + 2 = 3 <eos>; completion-only targets are '3' and <eos>.
    const s = encodeExample(tok, '1+2=', '3', { completionOnly: true });
    const enc = (c: string) => tok.encode(c)[0]!;
    expect(s.ids).toEqual([tok.bosId, enc('1'), enc('+'), enc('2'), enc('='), enc('3'), tok.eosId]);
    const b = makeBatch([s], 8, tok.padId!);
    const labels = [...b.labels].map(Number);
    expect(labels).toEqual([IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, IGNORE_INDEX, enc('3'), tok.eosId, IGNORE_INDEX, IGNORE_INDEX]);
    expect([...b.inputIds].map(Number).slice(0, 7)).toEqual(s.ids.slice(0, 6).concat([tok.padId!]));
    expect(b.targetTokens).toBe(2);
    // Full-sequence loss trains every next token after <bos>.
    const full = makeBatch([encodeExample(tok, '1+2=', '3', { completionOnly: false })], 8, tok.padId!);
    expect(full.targetTokens).toBe(6);
  });

  it('refuses a sequence longer than seq_len + 1', () => {
    const s = encodeExample(tok, '123456789', '0', { completionOnly: true });
    expect(() => makeBatch([s], 4, 0)).toThrow(/does not fit seq_len 4/);
  });

  it('draws a seeded, weighted mixture: same seed → same batches, weights respected', () => {
    const a = new MixtureStream([{ task: 'arithmetic', weight: 3 }, { task: 'brackets', weight: 1 }], 5);
    const b = new MixtureStream([{ task: 'arithmetic', weight: 3 }, { task: 'brackets', weight: 1 }], 5);
    const ba = a.nextBatch(tok, 16, 32, true);
    const bb = b.nextBatch(tok, 16, 32, true);
    expect([...ba.inputIds]).toEqual([...bb.inputIds]);
    let arith = 0;
    for (let i = 0; i < 4000; i++) if (a.next().task === 'arithmetic') arith++;
    expect(arith / 4000).toBeGreaterThan(0.72);
    expect(arith / 4000).toBeLessThan(0.78);
    expect(() => new MixtureStream([{ task: 'nope', weight: 1 }], 1)).toThrow(/unknown task/);
  });

  it('packs whole examples into rows in stream order; loss on every token but each <bos>', () => {
    const mix = [{ task: 'arithmetic', weight: 1 }, { task: 'brackets', weight: 1 }];
    const T = 40;
    const b = new MixtureStream(mix, 9).nextBatch(tok, 4, T, false, true);
    // The same examples drawn one by one from a twin stream, encoded by hand.
    const twin = new MixtureStream(mix, 9);
    const seqs = Array.from({ length: 60 }, () => {
      const ex = twin.next();
      const text = ex.choices && ex.label !== undefined ? ex.choices[ex.label]! : ex.answer;
      return [tok.bosId!, ...tok.encode(ex.prompt), ...tok.encode(text), tok.eosId!];
    });
    let k = 0;
    for (let r = 0; r < 4; r++) {
      const row: number[] = [];
      while (row.length + seqs[k]!.length <= T + 1) row.push(...seqs[k++]!);
      expect(row.filter((id) => id === tok.bosId).length, `row ${r} holds several examples`).toBeGreaterThanOrEqual(2);
      const inputs = [...b.inputIds.slice(r * T, (r + 1) * T)].map(Number);
      const labels = [...b.labels.slice(r * T, (r + 1) * T)].map(Number);
      expect(inputs.slice(0, row.length - 1)).toEqual(row.slice(0, -1));
      expect(inputs.slice(row.length - 1).every((id) => id === tok.padId)).toBe(true);
      for (let t = 0; t < T; t++) {
        const target = t + 1 < row.length ? row[t + 1]! : null;
        expect(labels[t], `row ${r} position ${t}`).toBe(target === null || target === tok.bosId ? IGNORE_INDEX : target);
      }
    }
  });

  it('restores a packed stream from a checkpoint position, including the example left over', () => {
    const mix = [{ task: 'arithmetic', weight: 2 }, { task: 'majority', weight: 1 }];
    const a = new MixtureStream(mix, 4);
    for (let i = 0; i < 3; i++) a.nextBatch(tok, 3, 48, false, true);
    expect(a.hasPending).toBe(true);
    const b = new MixtureStream(mix, 4);
    b.restore({ drawn: a.drawn, skipped: a.skipped, pending: a.hasPending });
    const next = a.nextBatch(tok, 3, 48, false, true);
    const resumed = b.nextBatch(tok, 3, 48, false, true);
    expect([...resumed.inputIds]).toEqual([...next.inputIds]);
    expect([...resumed.labels]).toEqual([...next.labels]);
    expect(b.drawn).toBe(a.drawn);
  });
});
