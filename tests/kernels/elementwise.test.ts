// Elementwise kernels (shaders/elementwise.wgsl, shaders/copy.wgsl) against float64 references on
// 1 element, sizes that are not multiples of the 256-invocation workgroup, and 2^24+3 elements
// (65,537 workgroups: the dispatch must fold into a 2D grid). f32 results, atol 1e-6 rtol 1e-6
// (one rounding of an exact f64 result of f32 inputs).
import { describe, expect, it } from 'vitest';
import { add, addScaledKernel, addScaled, copy, fill, scale } from '../../src/kernels/elementwise';
import { empty, upload } from '../../src/gpu/tensor';
import { asF32, expectClose, map, uniform } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';

const TOL = { atol: 1e-6, rtol: 1e-6 };
const SIZES = [1, 3, 255, 257, 1000, 65_537];

describe('elementwise kernels vs float64', () => {
  const gpu = useGpu();

  it.each(SIZES)('add, addScaled, scale, fill on %i elements', async (n) => {
    const ctx = gpu();
    const a = asF32(uniform(n, n, -10, 10));
    const b = asF32(uniform(n + 1, n, -10, 10));
    const ta = tensor(ctx, a);
    const tb = tensor(ctx, b);
    const out = empty(ctx, [n], 'f32', 'out');
    add(ctx, out, ta, tb);
    expectClose(await out.download(), map(n, (i) => a[i] + b[i]), TOL, 'add');
    addScaled(ctx, out, ta, tb, -0.375);
    expectClose(await out.download(), map(n, (i) => a[i] - 0.375 * b[i]), TOL, 'addScaled');
    scale(ctx, out, ta, 2.5);
    expectClose(await out.download(), map(n, (i) => 2.5 * a[i]), TOL, 'scale');
    // In place: out may be the first input.
    scale(ctx, ta, ta, -2);
    addScaled(ctx, ta, ta, tb, 0.5);
    expectClose(await ta.download(), map(n, (i) => -2 * a[i] + 0.5 * b[i]), TOL, 'in-place scale then addScaled');
    expect(() => add(ctx, tb, ta, tb)).toThrow(/may not share a buffer/);
    fill(ctx, out, -7.25);
    expectClose(await out.download(), map(n, () => -7.25), TOL, 'fill');
    for (const t of [ta, tb, out]) t.dispose();
  });

  it('copy moves words of any dtype between offsets without touching the rest', async () => {
    const ctx = gpu();
    const src = upload(ctx, Int32Array.from({ length: 301 }, (_, i) => i - 150), [301], 'i32', 'src');
    const dst = upload(ctx, new Int32Array(400).fill(-1), [400], 'i32', 'dst');
    copy(ctx, dst, src, 257, 100, 7);
    const got = await dst.download();
    const want = Int32Array.from({ length: 400 }, (_, i) => (i >= 100 && i < 357 ? i - 100 + 7 - 150 : -1));
    expect(Array.from(got)).toEqual(Array.from(want));
    expect(() => copy(ctx, dst, src, 300, 200)).toThrow(/overruns dst/);
    src.dispose();
    dst.dispose();
  });

  it('add on 2^24+3 elements folds 65,537 workgroups into a 2D grid and is exact everywhere', async () => {
    const ctx = gpu();
    const n = (1 << 24) + 3;
    // Integers below 2^24 make f32 sums exact, so every element is compared bit for bit.
    const a = map(n, (i) => i % 4096);
    const b = map(n, (i) => (i * 7) % 1000);
    const out = empty(ctx, [n], 'f32', 'out');
    const ta = tensor(ctx, a);
    const tb = tensor(ctx, b);
    expect(ctx.grid(addScaledKernel, n)[1]).toBeGreaterThan(1);
    add(ctx, out, ta, tb);
    expectClose(await out.download(), map(n, (i) => a[i] + b[i]), { atol: 0, rtol: 0 }, 'add 2^24+3');
    for (const t of [ta, tb, out]) t.dispose();
  });

  it.each([1, 257])('writes only inside a tensor bound at an offset (canaries around it), %i elements', async (n) => {
    const ctx = gpu();
    const a = canaried(ctx, uniform(3, n), undefined, 'f32', 'a');
    const out = canaried(ctx, n, undefined, 'f32', 'out');
    addScaled(ctx, out.tensor, a.tensor, a.tensor, 1);
    fill(ctx, a.tensor, 1.5);
    scale(ctx, a.tensor, a.tensor, 2);
    copy(ctx, out.tensor, a.tensor);
    expectClose(await out.tensor.download(), map(n, () => 3), TOL, 'fill, scale, copy');
    await out.check();
    await a.check();
    out.dispose();
    a.dispose();
  });

  it('rejects mismatched sizes and dtypes with the tensor named', () => {
    const ctx = gpu();
    const a = tensor(ctx, [1, 2, 3], [3], 'f32', 'a3');
    const b = tensor(ctx, [1, 2], [2], 'f32', 'b2');
    const i = tensor(ctx, [1, 2, 3], [3], 'i32', 'ints');
    expect(() => add(ctx, a, a, b)).toThrow(/b2 has 2 elements, expected 3/);
    expect(() => scale(ctx, a, i, 2)).toThrow(/ints is i32, expected f32/);
    for (const t of [a, b, i]) t.dispose();
  });
});
