// Dead units (shaders/dead_units.wgsl) vs a float64 reference: per layer block [rows, width] of a
// flat buffer, the count of columns <= 0 in every row; widths 1, 3, 65, 257 and rows 1, 7, 129;
// NaN counts as alive; one op recorded twice gives the same counts (the zeroing runs each time).
import { describe, expect, it } from 'vitest';
import { deadUnitsOp, type LayerBlock } from '../../src/kernels/dead_units';
import { rng } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';

describe('deadUnits', () => {
  const gpu = useGpu();

  it('counts columns that are <= 0 for the whole batch, per layer', async () => {
    const ctx = gpu();
    const shapes = [[1, 1], [7, 3], [129, 65], [2, 257], [7, 65]];
    const r = rng(5);
    const blocks: LayerBlock[] = [];
    const data: number[] = [];
    const want: number[] = [];
    for (const [rows, width] of shapes) {
      blocks.push({ offset: data.length + 3, rows, width }); // offsets not multiples of 4
      data.push(1, 1, 1);
      // Each column dead with probability 1/2; a live column has one positive entry somewhere.
      const deadCols = Array.from({ length: width }, () => r() < 0.5);
      const block = Array.from({ length: rows * width }, (_, i) => -r());
      if (width === 3) block[0] = 0; // exactly zero counts as dead
      deadCols.forEach((d, c) => { if (!d) block[Math.floor(r() * rows) * width + c] = r() < 0.2 ? NaN : 0.5; });
      data.push(...block);
      want.push(deadCols.filter(Boolean).length);
    }
    const x = tensor(ctx, data);
    const out = canaried(ctx, blocks.length, undefined, 'u32', 'dead');
    const op = deadUnitsOp(ctx, out.tensor, x, blocks);
    ctx.submit([op, op]);
    expect(Array.from(await out.tensor.download())).toEqual(want);
    await out.check();
    op.dispose(); out.dispose(); x.dispose();
  });
});
