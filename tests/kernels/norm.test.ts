// Batch norm and layer norm (shaders/norm.wgsl) vs float64 on rows in {1, 2, 7, 65, 256, 257, 2051}
// and features in {1, 3, 63, 65, 70, 127} (batch norm: up to COLUMN_PER_INVOCATION_ROWS = 256
// rows one invocation per column, more rows one workgroup per column); data with mean 1000 and std 0.01 to show the variance is
// computed carefully; running statistics over several steps; eval mode; backward vs the analytic
// float64 reference, itself checked against central differences.
import { describe, expect, it } from 'vitest';
import { batchNormBackwardOp, batchNormForwardOp, COLUMN_PER_INVOCATION_ROWS, layerNormBackwardOp, layerNormForwardOp } from '../../src/kernels/norm';
import { empty } from '../../src/gpu/tensor';
import { asF32, expectClose, numericGrad, uniform } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';
import { normBackward, normForward } from '../ref/norm';

expect(COLUMN_PER_INVOCATION_ROWS).toBe(256); // the shapes below straddle it
const SHAPES: [number, number][] = [[1, 3], [2, 1], [7, 63], [65, 65], [256, 70], [257, 127], [2051, 3], [3, 2051]];

describe('batch norm and layer norm vs float64', () => {
  const gpu = useGpu();

  for (const byColumn of [true, false]) {
    const name = byColumn ? 'batch norm' : 'layer norm';
    it.each(SHAPES)(`${name} forward and backward on [%i, %i]`, async (rows, cols) => {
      const ctx = gpu();
      if (byColumn && rows === 1) return; // batch norm needs 2+ rows to normalise (variance 0 otherwise): tested below
      const x = asF32(uniform(rows * cols, rows * cols, -3, 3));
      const g = asF32(uniform(cols, cols, 0.5, 1.5));
      const b = asF32(uniform(cols + 1, cols));
      const dy = asF32(uniform(rows + cols, rows * cols));
      const [tx, tg, tb, tdy] = [tensor(ctx, x, [rows, cols]), tensor(ctx, g), tensor(ctx, b), tensor(ctx, dy, [rows, cols])];
      const groups = byColumn ? cols : rows;
      const y = canaried(ctx, rows * cols, [rows, cols], 'f32', 'y');
      const mean = empty(ctx, [groups], 'f32', 'mean');
      const rstd = empty(ctx, [groups], 'f32', 'rstd');
      const dx = canaried(ctx, rows * cols, [rows, cols], 'f32', 'dx');
      const dg = canaried(ctx, cols, undefined, 'f32', 'dgamma');
      const db = canaried(ctx, cols, undefined, 'f32', 'dbeta');
      const running = { mean: tensor(ctx, new Float64Array(cols)), var: tensor(ctx, new Float64Array(cols).fill(1)) };
      const ops = byColumn
        ? [batchNormForwardOp(ctx, { y: y.tensor, mean, rstd }, tx, tg, tb, running, { training: true }), batchNormBackwardOp(ctx, { dx: dx.tensor, dgamma: dg.tensor, dbeta: db.tensor }, tdy, tx, tg, { mean, rstd })]
        : [layerNormForwardOp(ctx, { y: y.tensor, mean, rstd }, tx, tg, tb), layerNormBackwardOp(ctx, { dx: dx.tensor, dgamma: dg.tensor, dbeta: db.tensor }, tdy, tx, tg, { mean, rstd })];
      ctx.submit(ops);
      const ref = normForward(x, rows, cols, g, b, byColumn);
      const n = byColumn ? rows : cols;
      const TOL = { atol: 2e-5 * Math.sqrt(n), rtol: 1e-4 };
      expectClose(await y.tensor.download(), ref.y, TOL, 'y');
      expectClose(await mean.download(), ref.mean, TOL, 'mean');
      expectClose(await rstd.download(), ref.rstd, { atol: 1e-4, rtol: 1e-4 }, 'rstd');
      const back = normBackward(x, dy, rows, cols, g, byColumn);
      expectClose(await dx.tensor.download(), back.dx, TOL, 'dx');
      expectClose(await dg.tensor.download(), back.dgamma, { atol: 2e-5 * Math.sqrt(rows), rtol: 1e-4 }, 'dgamma');
      expectClose(await db.tensor.download(), back.dbeta, { atol: 2e-5 * Math.sqrt(rows), rtol: 1e-4 }, 'dbeta');
      for (const c of [y, dx, dg, db]) { await c.check(); c.dispose(); }
      for (const o of ops) o.dispose();
      for (const t of [tx, tg, tb, tdy, mean, rstd, running.mean, running.var]) t.dispose();
    });

    it(`${name} backward reference equals finite differences of Σ dy ⊙ y`, () => {
      const [rows, cols] = [5, 4];
      const x = uniform(1, rows * cols, -2, 2);
      const g = uniform(2, cols, 0.5, 1.5);
      const dy = uniform(3, rows * cols);
      const L = (xs: Float64Array, gs: Float64Array, bs: Float64Array) => normForward(xs, rows, cols, gs, bs, byColumn).y.reduce((s, v, i) => s + v * dy[i], 0);
      const zero = new Float64Array(cols);
      const back = normBackward(x, dy, rows, cols, g, byColumn);
      expectClose(back.dx, numericGrad((v) => L(v, g, zero), x), { atol: 1e-6, rtol: 1e-5 }, 'dx');
      expectClose(back.dgamma, numericGrad((v) => L(x, v, zero), g), { atol: 1e-6, rtol: 1e-5 }, 'dgamma');
      expectClose(back.dbeta, numericGrad((v) => L(x, g, v), zero), { atol: 1e-6, rtol: 1e-5 }, 'dbeta');
    });
  }

  it('computes the variance of data with mean 1000 and std 0.01 to 1e-3 relative', async () => {
    const ctx = gpu();
    const [rows, cols] = [2048, 3];
    const x = asF32(uniform(9, rows * cols, 1000 - 0.0173, 1000 + 0.0173)); // std ≈ 0.01
    const [tx, tg, tb] = [tensor(ctx, x, [rows, cols]), tensor(ctx, [1, 1, 1]), tensor(ctx, [0, 0, 0])];
    const y = empty(ctx, [rows, cols], 'f32', 'y');
    const mean = empty(ctx, [cols], 'f32', 'mean');
    const rstd = empty(ctx, [cols], 'f32', 'rstd');
    const running = { mean: tensor(ctx, [0, 0, 0]), var: tensor(ctx, [1, 1, 1]) };
    const op = batchNormForwardOp(ctx, { y, mean, rstd }, tx, tg, tb, running, { training: true, eps: 0 });
    ctx.submit([op]);
    expectClose(await rstd.download(), normForward(x, rows, cols, [1, 1, 1], [0, 0, 0], true, 0).rstd, { atol: 0, rtol: 1e-3 }, 'rstd');
    op.dispose();
    for (const t of [tx, tg, tb, y, mean, rstd, running.mean, running.var]) t.dispose();
  });

  it('updates running statistics like torch (momentum 0.1, unbiased variance) and uses them in eval mode; rows = 1 leaves running_var finite', async () => {
    const ctx = gpu();
    const [rows, cols] = [7, 5];
    const g = asF32(uniform(1, cols, 0.5, 1.5));
    const b = asF32(uniform(2, cols));
    const [tg, tb] = [tensor(ctx, g), tensor(ctx, b)];
    const running = { mean: tensor(ctx, new Float64Array(cols)), var: tensor(ctx, new Float64Array(cols).fill(1)) };
    const rm = new Float64Array(cols);
    const rv = new Float64Array(cols).fill(1);
    for (let step = 0; step < 3; step++) {
      const x = asF32(uniform(10 + step, rows * cols, -1, 3));
      const tx = tensor(ctx, x, [rows, cols]);
      const [y, mean, rstd] = [empty(ctx, [rows, cols], 'f32', 'y'), empty(ctx, [cols], 'f32', 'm'), empty(ctx, [cols], 'f32', 'r')];
      const op = batchNormForwardOp(ctx, { y, mean, rstd }, tx, tg, tb, running, { training: true });
      ctx.submit([op]);
      const ref = normForward(x, rows, cols, g, b, true);
      for (let c = 0; c < cols; c++) {
        rm[c] = 0.9 * rm[c] + 0.1 * ref.mean[c];
        rv[c] = 0.9 * rv[c] + 0.1 * ref.var[c] * rows / (rows - 1);
      }
      op.dispose();
      for (const t of [tx, y, mean, rstd]) t.dispose();
    }
    expectClose(await running.mean.download(), rm, { atol: 1e-6, rtol: 1e-5 }, 'running_mean');
    expectClose(await running.var.download(), rv, { atol: 1e-6, rtol: 1e-5 }, 'running_var');
    const x = asF32(uniform(99, rows * cols));
    const tx = tensor(ctx, x, [rows, cols]);
    const y = empty(ctx, [rows, cols], 'f32', 'y');
    const evalOp = batchNormForwardOp(ctx, { y, mean: y, rstd: y }, tx, tg, tb, running, { training: false });
    ctx.submit([evalOp]);
    expectClose(await y.download(), Float64Array.from(x, (v, i) => ((v - rm[i % cols]) / Math.sqrt(rv[i % cols] + 1e-5)) * g[i % cols] + b[i % cols]), { atol: 1e-5, rtol: 1e-5 }, 'eval y');
    // One row: variance 0, running_var stays as it was.
    const one = tensor(ctx, x.subarray(0, cols), [1, cols]);
    const [y1, m1, r1] = [empty(ctx, [1, cols], 'f32', 'y1'), empty(ctx, [cols], 'f32', 'm1'), empty(ctx, [cols], 'f32', 'r1')];
    const op1 = batchNormForwardOp(ctx, { y: y1, mean: m1, rstd: r1 }, one, tg, tb, running, { training: true });
    ctx.submit([op1]);
    expectClose(await running.var.download(), rv, { atol: 1e-6, rtol: 1e-5 }, 'running_var after a 1-row batch');
    expect((await y1.download()).every(Number.isFinite)).toBe(true);
    for (const o of [evalOp, op1]) o.dispose();
    for (const t of [tg, tb, running.mean, running.var, tx, y, one, y1, m1, r1]) t.dispose();
  });
});
