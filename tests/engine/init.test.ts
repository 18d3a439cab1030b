// Initialisers: seeded and bit-reproducible; sample statistics match each formula's variance
// (torch.nn.init) within sampling error on a 256×512 weight; orthogonal gives WᵀW = gain²·I.
import { describe, expect, it } from 'vitest';
import { initWeights } from '../../src/engine/init';
import { Rng } from '../../src/engine/rng';
import { INITIALISERS, type InitSpec } from '../../src/engine/spec';

const OUT = 256;
const IN = 512;
const variance: Record<string, number> = {
  standard: 1 / (3 * IN),
  glorot_uniform: 2 / (IN + OUT),
  glorot_normal: 2 / (IN + OUT),
  he_uniform: 2 / IN,
  he_normal: 2 / IN,
  lecun_uniform: 1 / IN,
  lecun_normal: 1 / IN,
  normal: 0.05 ** 2,
  uniform: 0.1 ** 2 / 3,
};

function stats(w: Float32Array) {
  let s = 0;
  let s2 = 0;
  for (const v of w) { s += v; s2 += v * v; }
  const mean = s / w.length;
  return { mean, var: s2 / w.length - mean * mean };
}

describe('initWeights', () => {
  it.each(Object.keys(variance))('%s has the documented variance (±5%) and mean ~0', (init) => {
    const spec = { init, std: init === 'normal' ? 0.05 : undefined, limit: init === 'uniform' ? 0.1 : undefined } as InitSpec;
    const { mean, var: v } = stats(initWeights(spec, OUT, IN, new Rng(1)));
    expect(Math.abs(v / variance[init] - 1)).toBeLessThan(0.05);
    expect(Math.abs(mean)).toBeLessThan(4 * Math.sqrt(variance[init] / (OUT * IN)));
  });

  it.each([...INITIALISERS])('%s: same seed, bit-identical weights; other seed, different', (init) => {
    const a = initWeights({ init }, 17, 9, new Rng(42));
    const b = initWeights({ init }, 17, 9, new Rng(42));
    expect(Buffer.from(a.buffer).equals(Buffer.from(b.buffer))).toBe(true);
    if (!['zeros', 'identity'].includes(init)) expect(Buffer.from(a.buffer).equals(Buffer.from(initWeights({ init }, 17, 9, new Rng(43)).buffer))).toBe(false);
  });

  it.each([[64, 64], [100, 30], [30, 100], [1, 7]])('orthogonal %i×%i has orthonormal rows or columns times gain', (rows, cols) => {
    const gain = 1.5;
    const w = initWeights({ init: 'orthogonal', gain }, rows, cols, new Rng(3));
    const k = Math.min(rows, cols);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        let dot = 0;
        if (rows >= cols) for (let r = 0; r < rows; r++) dot += w[r * cols + i] * w[r * cols + j];
        else for (let c = 0; c < cols; c++) dot += w[i * cols + c] * w[j * cols + c];
        expect(dot).toBeCloseTo(i === j ? gain * gain : 0, 4);
      }
    }
  });

  it('identity puts ones on the diagonal only', () => {
    const w = initWeights({ init: 'identity' }, 3, 4, new Rng(0));
    expect(Array.from(w)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0]);
  });
});
