// Dropout (shaders/dropout.wgsl) against a CPU reference of the same hash: the kept elements are
// exactly the reference's, scaled by 1/(1-p); backward with the same seed uses the same mask;
// the kept fraction is 1-p within 5 standard deviations. Also the batch gather kernel.
import { describe, expect, it } from 'vitest';
import { dropoutBackwardOp, dropoutForwardOp } from '../../src/kernels/dropout';
import { gatherRowsOp } from '../../src/kernels/elementwise';
import { empty, upload } from '../../src/gpu/tensor';
import { asF32, expectClose, map, uniform } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';

function pcgHash(v: number): number {
  const state = (Math.imul(v >>> 0, 747796405) + 2891336453) >>> 0;
  const word = Math.imul(((state >>> ((state >>> 28) + 4)) ^ state) >>> 0, 277803737) >>> 0;
  return ((word >>> 22) ^ word) >>> 0;
}
const keep = (seed: number, p: number, i: number) => (pcgHash((i ^ pcgHash(seed)) >>> 0) >>> 8) / 16777216 >= p;

describe('dropout', () => {
  const gpu = useGpu();

  it.each([[1, 0.5], [257, 0.1], [100_003, 0.3]])('n=%i p=%f matches the hash reference, forward and backward', async (n, p) => {
    const ctx = gpu();
    const x = asF32(uniform(n, n, 0.5, 2)); // nonzero, so a dropped element is visibly 0
    const tx = tensor(ctx, x);
    const y = canaried(ctx, n, undefined, 'f32', 'y');
    const dx = canaried(ctx, n, undefined, 'f32', 'dx');
    const seed = 12345 + n;
    const fwd = dropoutForwardOp(ctx, y.tensor, tx, p, seed);
    const bwd = dropoutBackwardOp(ctx, dx.tensor, tx, p, seed);
    ctx.submit([fwd, bwd]);
    const want = map(n, (i) => (keep(seed, p, i) ? x[i] / (1 - p) : 0));
    expectClose(await y.tensor.download(), want, { atol: 0, rtol: 1e-6 }, 'forward');
    expectClose(await dx.tensor.download(), want, { atol: 0, rtol: 1e-6 }, 'backward');
    if (n > 1000) {
      const kept = want.filter((v) => v !== 0).length / n;
      expect(Math.abs(kept - (1 - p))).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
      fwd.setSeed(seed + 1);
      ctx.submit([fwd]);
      const other = await y.tensor.download();
      expect(other.filter((v, i) => (v === 0) !== (want[i] === 0)).length).toBeGreaterThan(n * 0.1);
    }
    await y.check();
    await dx.check();
    for (const o of [fwd, bwd]) o.dispose();
    y.dispose(); dx.dispose(); tx.dispose();
  });

  it('p = 0 is the identity', async () => {
    const ctx = gpu();
    const x = asF32(uniform(3, 65));
    const tx = tensor(ctx, x);
    const y = empty(ctx, [65], 'f32', 'y');
    const op = dropoutForwardOp(ctx, y, tx, 0, 9);
    ctx.submit([op]);
    expectClose(await y.download(), x, { atol: 0, rtol: 0 });
    op.dispose(); tx.dispose(); y.dispose();
  });
});

describe('gatherRows', () => {
  const gpu = useGpu();

  // Widths of a multiple of 4 words run the vec4 kernel.
  it.each([[1, 1, 1], [13, 7, 50], [129, 784, 300], [3, 4, 5], [65, 12, 70]])('gathers %i rows of width %i from %i', async (rows, width, n) => {
    const ctx = gpu();
    const src = asF32(uniform(rows, n * width));
    const idx = Uint32Array.from({ length: rows }, (_, i) => (i * 7919) % n);
    const tsrc = tensor(ctx, src);
    const tidx = upload(ctx, idx, [rows], 'u32', 'idx');
    const out = canaried(ctx, rows * width, undefined, 'f32', 'out');
    const op = gatherRowsOp(ctx, out.tensor, tsrc, tidx);
    ctx.submit([op]);
    expectClose(await out.tensor.download(), map(rows * width, (i) => src[idx[Math.floor(i / width)] * width + (i % width)]), { atol: 0, rtol: 0 });
    await out.check();
    op.dispose(); out.dispose(); tsrc.dispose(); tidx.dispose();
  });
});
