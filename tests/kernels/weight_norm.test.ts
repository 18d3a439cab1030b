// Weight normalisation (shaders/weight_norm.wgsl) vs float64 (tests/ref/weight_norm.ts) on v of
// [rows, cols] in {1, 3, 7, 65} × {1, 5, 63, 65, 256, 257, 1000}: columns up to
// ROW_PER_INVOCATION_COLS = 256 take the one-invocation-per-row kernel, more a workgroup per row.
// Outputs canaried; the analytic float64 backward checked against central differences of
// L = Σ dW ⊙ w; a zero row of v gives NaN in that row only (as PyTorch, which has no eps).
import { describe, expect, it } from 'vitest';
import { empty } from '../../src/gpu/tensor';
import { ROW_PER_INVOCATION_COLS, weightNormBackwardOp, weightNormForwardOp } from '../../src/kernels/weight_norm';
import { asF32, expectClose, numericGrad, uniform } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';
import { weightNormBackward, weightNormForward } from '../ref/weight_norm';

expect(ROW_PER_INVOCATION_COLS).toBe(256); // the shapes below straddle it
const SHAPES: [number, number][] = [[1, 1], [3, 5], [7, 63], [65, 65], [1, 256], [3, 257], [7, 1000], [65, 3]];

describe('weight norm vs float64', () => {
  const gpu = useGpu();

  async function run(v: Float64Array, g: Float64Array, dw: Float64Array, rows: number, cols: number) {
    const ctx = gpu();
    const [tv, tg, tdw] = [tensor(ctx, v, [rows, cols]), tensor(ctx, g, [rows, 1]), tensor(ctx, dw, [rows, cols])];
    const w = canaried(ctx, rows * cols, [rows, cols], 'f32', 'w');
    const norm = canaried(ctx, rows, undefined, 'f32', 'norm');
    const dg = canaried(ctx, rows, [rows, 1], 'f32', 'dg');
    const dv = canaried(ctx, rows * cols, [rows, cols], 'f32', 'dv');
    const ops = [
      weightNormForwardOp(ctx, { w: w.tensor, norm: norm.tensor }, tv, tg),
      weightNormBackwardOp(ctx, { dg: dg.tensor, dv: dv.tensor }, tdw, tv, tg, norm.tensor),
    ];
    ctx.submit(ops);
    const got = { w: await w.tensor.download(), norm: await norm.tensor.download(), dg: await dg.tensor.download(), dv: await dv.tensor.download() };
    for (const c of [w, norm, dg, dv]) { await c.check(); c.dispose(); }
    for (const o of ops) o.dispose();
    for (const t of [tv, tg, tdw]) t.dispose();
    return got;
  }

  it.each(SHAPES)('forward and backward on v [%i, %i]', async (rows, cols) => {
    const v = asF32(uniform(rows * 31 + cols, rows * cols, -2, 2));
    const g = asF32(uniform(rows + 5, rows, 0.2, 3));
    const dw = asF32(uniform(cols + 11, rows * cols));
    const got = await run(v, g, dw, rows, cols);
    const ref = weightNormForward(v, g, rows, cols);
    const back = weightNormBackward(v, g, dw, rows, cols);
    const TOL = { atol: 1e-6 * Math.sqrt(cols), rtol: 1e-5 };
    expectClose(got.w, ref.w, TOL, 'w');
    expectClose(got.norm, ref.norm, TOL, 'norm');
    expectClose(got.dg, back.dg, { atol: 1e-5 * Math.sqrt(cols), rtol: 1e-4 }, 'dg');
    expectClose(got.dv, back.dv, { atol: 1e-5 * Math.sqrt(cols), rtol: 1e-4 }, 'dv');
  });

  it('backward reference equals finite differences of L = Σ dW ⊙ w', () => {
    const [rows, cols] = [4, 6];
    const v = uniform(1, rows * cols, -2, 2);
    const g = uniform(2, rows, 0.5, 2);
    const dw = uniform(3, rows * cols);
    const L = (vs: Float64Array, gs: Float64Array) => weightNormForward(vs, gs, rows, cols).w.reduce((s, x, i) => s + x * dw[i], 0);
    const back = weightNormBackward(v, g, dw, rows, cols);
    expectClose(back.dv, numericGrad((x) => L(x, g), v), { atol: 1e-7, rtol: 1e-6 }, 'dv');
    expectClose(back.dg, numericGrad((x) => L(v, x), g), { atol: 1e-7, rtol: 1e-6 }, 'dg');
  });

  it('a zero row of v gives NaN in that row of w, dg and dv (PyTorch divides by ‖v‖ with no eps); other rows are untouched', async () => {
    for (const cols of [5, 300]) { // both kernels
      const rows = 3;
      const v = asF32(uniform(4, rows * cols));
      v.fill(0, cols, 2 * cols);
      const g = Float64Array.from([1.5, 2, 0.5]);
      const dw = asF32(uniform(5, rows * cols));
      const got = await run(v, g, dw, rows, cols);
      const row = (a: ArrayLike<number>, r: number) => Array.from(a).slice(r * cols, (r + 1) * cols);
      expect(row(got.w, 1).every(Number.isNaN)).toBe(true);
      expect(row(got.dv, 1).every(Number.isNaN)).toBe(true);
      expect(Number.isNaN(got.dg[1])).toBe(true);
      expect(got.norm[1]).toBe(0);
      for (const r of [0, 2]) {
        expect(row(got.w, r).every(Number.isFinite) && row(got.dv, r).every(Number.isFinite) && Number.isFinite(got.dg[r])).toBe(true);
      }
    }
  });
});
