// Weight normalisation (shaders/weight_norm.wgsl) vs float64 (tests/ref/weight_norm.ts): one op
// over layers of v [rows, cols] in {1, 3, 7, 65} × {1, 3, 5, 63, 65, 256, 257, 1000} laid out in
// one flat buffer with gaps, as the engine's parameters are, with each row kernel (one invocation
// per row, a workgroup per row) and with the adapter's own choice (on hardware, columns up to
// ROW_PER_INVOCATION_COLS = 256 one invocation, more a workgroup: both in one op). Every element outside the layers' v, g and w must keep its sentinel
// value, and the canaries around the buffers theirs. The analytic float64 backward is checked
// against central differences of L = Σ dW ⊙ w; a zero row of v gives NaN in that row only (as
// PyTorch, which has no eps).
import { describe, expect, it } from 'vitest';
import { alignUp } from '../../src/engine/model';
import { ROW_PER_INVOCATION_COLS, weightNormOps, type RowKernel, type WeightNormLayer } from '../../src/kernels/weight_norm';
import { asF32, expectClose, numericGrad, uniform } from '../reference';
import { canaried, useGpu } from '../gpu';
import { weightNormBackward, weightNormForward } from '../ref/weight_norm';

expect(ROW_PER_INVOCATION_COLS).toBe(256); // the shapes below straddle it
const SHAPES: [number, number][] = [[1, 1], [3, 5], [7, 63], [65, 65], [1, 256], [3, 257], [7, 1000], [65, 3]];
const SENTINEL = 12345;

describe('weight norm vs float64', () => {
  const gpu = useGpu();

  /** Lays the layers out in a flat buffer (v, then g, each 64-aligned), runs forward and backward. */
  async function run(layers: { v: Float64Array; g: Float64Array; dw: Float64Array; rows: number; cols: number }[], rowKernel: RowKernel) {
    const ctx = gpu();
    let flatSize = 0;
    let wSize = 0;
    const placed: WeightNormLayer[] = layers.map((l, i) => {
      const at = { label: `layer ${i}`, v: flatSize + 64, g: 0, rows: l.rows, cols: l.cols, w: wSize };
      at.g = at.v + alignUp(l.rows * l.cols);
      flatSize = at.g + alignUp(l.rows);
      wSize += alignUp(l.rows * l.cols) + 64;
      return at;
    });
    const flat = new Float64Array(flatSize).fill(SENTINEL);
    const dwAll = new Float64Array(wSize).fill(SENTINEL);
    layers.forEach((l, i) => { flat.set(l.v, placed[i].v); flat.set(l.g, placed[i].g); dwAll.set(l.dw, placed[i].w); });
    const params = canaried(ctx, flat, undefined, 'f32', 'params');
    const grads = canaried(ctx, new Float64Array(flatSize).fill(SENTINEL), undefined, 'f32', 'grads');
    const w = canaried(ctx, new Float64Array(wSize).fill(SENTINEL), undefined, 'f32', 'w');
    const dw = canaried(ctx, dwAll, undefined, 'f32', 'dw');
    const ops = weightNormOps(ctx, placed, { params: params.tensor, grads: grads.tensor, w: w.tensor, dw: dw.tensor }, rowKernel);
    ctx.submit([ops.forward, ops.backward!]);
    const got = { w: (await w.tensor.download()) as Float32Array, grads: (await grads.tensor.download()) as Float32Array };
    for (const c of [params, grads, w, dw]) { await c.check(); c.dispose(); }
    ops.forward.dispose();
    ops.backward!.dispose();
    // Everything outside the layers' ranges still holds the sentinel.
    const untouched = (a: Float32Array, ranges: [number, number][]) => a.every((x, i) => ranges.some(([s, n]) => i >= s && i < s + n) || x === SENTINEL);
    expect(untouched(got.grads, placed.flatMap((p) => [[p.v, p.rows * p.cols], [p.g, p.rows]] as [number, number][])), 'grads outside v and g').toBe(true);
    expect(untouched(got.w, placed.map((p) => [p.w, p.rows * p.cols])), 'w outside the layers').toBe(true);
    return placed.map((p) => ({
      w: got.w.slice(p.w, p.w + p.rows * p.cols), dv: got.grads.slice(p.v, p.v + p.rows * p.cols), dg: got.grads.slice(p.g, p.g + p.rows),
    }));
  }

  it.each(['invocation', 'workgroup', 'auto'] as const)(`forward and backward of ${SHAPES.length} layers in one op: ${SHAPES.map(([r, c]) => `[${r}, ${c}]`).join(' ')}, row kernel %s`, async (rowKernel) => {
    const layers = SHAPES.map(([rows, cols]) => ({
      rows, cols,
      v: asF32(uniform(rows * 31 + cols, rows * cols, -2, 2)), g: asF32(uniform(rows + 5, rows, 0.2, 3)), dw: asF32(uniform(cols + 11, rows * cols)),
    }));
    const got = await run(layers, rowKernel);
    layers.forEach(({ rows, cols, v, g, dw }, i) => {
      const what = `[${rows}, ${cols}]`;
      const TOL = { atol: 1e-6 * Math.sqrt(cols), rtol: 1e-5 };
      expectClose(got[i].w, weightNormForward(v, g, rows, cols).w, TOL, `w ${what}`);
      const back = weightNormBackward(v, g, dw, rows, cols);
      expectClose(got[i].dg, back.dg, { atol: 1e-5 * Math.sqrt(cols), rtol: 1e-4 }, `dg ${what}`);
      expectClose(got[i].dv, back.dv, { atol: 1e-5 * Math.sqrt(cols), rtol: 1e-4 }, `dv ${what}`);
    });
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
    for (const rowKernel of ['invocation', 'workgroup'] as const) {
      const layers = [5, 300].map((cols) => {
        const rows = 3;
        const v = asF32(uniform(4, rows * cols));
        v.fill(0, cols, 2 * cols);
        return { rows, cols, v, g: Float64Array.from([1.5, 2, 0.5]), dw: asF32(uniform(5, rows * cols)) };
      });
      const got = await run(layers, rowKernel);
      layers.forEach(({ cols }, i) => {
        const row = (a: Float32Array, r: number) => Array.from(a.subarray(r * cols, (r + 1) * cols));
        expect(row(got[i].w, 1).every(Number.isNaN)).toBe(true);
        expect(row(got[i].dv, 1).every(Number.isNaN)).toBe(true);
        expect(Number.isNaN(got[i].dg[1])).toBe(true);
        for (const r of [0, 2]) expect(row(got[i].w, r).every(Number.isFinite) && row(got[i].dv, r).every(Number.isFinite) && Number.isFinite(got[i].dg[r])).toBe(true);
      });
    }
  });
});
