// Matmul (shaders/matmul.wgsl) vs float64: every transpose combination on shapes of 1, the tile
// (64) ± 1, primes and K = 2053; the fused epilogue (bias + activation + preactivation); the bias
// gradient; and the dense-layer backward products checked against finite differences of the
// float64 forward. Tolerance atol = 1e-5·√K·scale, rtol 1e-4 (fp32 sums of K products).
import { describe, expect, it } from 'vitest';
import { biasGrad, matmul, matmulGradA, matmulGradB } from '../../src/kernels/matmul';
import { empty } from '../../src/gpu/tensor';
import { asF32, expectClose, numericGrad, uniform } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';
import { biasGradRef, matmulRef } from '../ref/matmul';

const tol = (K: number) => ({ atol: 1e-5 * Math.sqrt(K), rtol: 1e-4 });
const SHAPES: [number, number, number][] = [[1, 1, 1], [63, 65, 64], [65, 63, 7], [7, 127, 257], [257, 3, 65], [2, 5, 2053], [128, 64, 64]];
const act: Record<string, (x: number) => number> = { identity: (x) => x, relu: (x) => Math.max(0, x), tanh: Math.tanh, sigmoid: (x) => 1 / (1 + Math.exp(-x)) };

describe('matmul vs float64', () => {
  const gpu = useGpu();

  for (const [M, N, K] of SHAPES) {
    it.each([[false, false, 'tiled64x64'], [true, false, 'direct32x32'], [false, true, 'tiled64x64'], [true, true, 'direct32x32'], [false, false, 'direct32x32'], [true, true, 'tiled64x64']] as const)(`M=${M} N=${N} K=${K} transA=%s transB=%s %s`, async (tA, tB, variant) => {
      const ctx = gpu();
      const a = asF32(uniform(M + 7 * N, M * K));
      const b = asF32(uniform(K + 3, K * N));
      const ta = tensor(ctx, a, tA ? [K, M] : [M, K]);
      const tb = tensor(ctx, b, tB ? [N, K] : [K, N]);
      const out = canaried(ctx, M * N, [M, N], 'f32', 'C');
      matmul(ctx, out.tensor, ta, tb, { transA: tA, transB: tB, variant });
      expectClose(await out.tensor.download(), matmulRef(a, b, M, N, K, tA, tB), tol(K), 'C');
      await out.check();
      for (const t of [ta, tb]) t.dispose();
      out.dispose();
    });
  }

  it.each(Object.keys(act).flatMap((fn) => [[fn, 'tiled64x64'], [fn, 'direct32x32']] as const))('fused epilogue: act(A·Bᵀ + bias) with %s, preactivation stored (%s)', async (fn, variant) => {
    const ctx = gpu();
    const [M, N, K] = [65, 67, 33];
    const a = asF32(uniform(1, M * K));
    const w = asF32(uniform(2, N * K));
    const bias = asF32(uniform(3, N));
    const [ta, tw, tbias] = [tensor(ctx, a, [M, K]), tensor(ctx, w, [N, K]), tensor(ctx, bias)];
    const out = canaried(ctx, M * N, [M, N], 'f32', 'y');
    const pre = canaried(ctx, M * N, [M, N], 'f32', 'z');
    matmul(ctx, out.tensor, ta, tw, { transB: true, bias: tbias, activation: fn as 'relu', preactivation: pre.tensor, variant });
    const z = matmulRef(a, w, M, N, K, false, true).map((v, i) => v + bias[i % N]);
    expectClose(await pre.tensor.download(), z, tol(K), 'z');
    expectClose(await out.tensor.download(), z.map(act[fn]), tol(K), 'y');
    await out.check();
    await pre.check();
    for (const t of [ta, tw, tbias]) t.dispose();
    out.dispose(); pre.dispose();
  });

  it.each([[1, 1], [7, 65], [513, 10]])('bias gradient: column sums of dC [%i, %i]', async (M, N) => {
    const ctx = gpu();
    const dc = asF32(uniform(M * N, M * N));
    const tdc = tensor(ctx, dc, [M, N]);
    const db = canaried(ctx, N, undefined, 'f32', 'db');
    biasGrad(ctx, db.tensor, tdc);
    expectClose(await db.tensor.download(), biasGradRef(dc, M, N), tol(M), 'db');
    await db.check();
    tdc.dispose(); db.dispose();
  });

  it('backward products: dA = dC·Bᵀ and dB = Aᵀ·dC equal finite differences of L = Σ G ⊙ (A·B)', async () => {
    const ctx = gpu();
    const [M, N, K] = [5, 3, 7];
    const a = asF32(uniform(11, M * K));
    const b = asF32(uniform(12, K * N));
    const g = asF32(uniform(13, M * N));
    const loss = (as: Float64Array, bs: Float64Array) => matmulRef(as, bs, M, N, K).reduce((s, v, i) => s + v * g[i], 0);
    const [ta, tb, tg] = [tensor(ctx, a, [M, K]), tensor(ctx, b, [K, N]), tensor(ctx, g, [M, N])];
    const da = canaried(ctx, M * K, [M, K], 'f32', 'dA');
    const dbt = canaried(ctx, K * N, [K, N], 'f32', 'dB');
    matmulGradA(ctx, da.tensor, tg, tb);
    matmulGradB(ctx, dbt.tensor, ta, tg);
    // References: analytic float64 products, themselves checked against central differences.
    const daRef = matmulRef(g, b, M, K, N, false, true);
    const dbRef = matmulRef(a, g, K, N, M, true, false);
    expectClose(daRef, numericGrad((v) => loss(v, b), a), { atol: 1e-7, rtol: 1e-6 }, 'dA reference');
    expectClose(dbRef, numericGrad((v) => loss(a, v), b), { atol: 1e-7, rtol: 1e-6 }, 'dB reference');
    expectClose(await da.tensor.download(), daRef, tol(N), 'dA');
    expectClose(await dbt.tensor.download(), dbRef, tol(M), 'dB');
    await da.check();
    await dbt.check();
    for (const t of [ta, tb, tg]) t.dispose();
    da.dispose(); dbt.dispose();
  });

  it('rejects shapes that do not fit, naming the tensor', () => {
    const ctx = gpu();
    const a = tensor(ctx, new Float64Array(6), [2, 3], 'f32', 'A23');
    const b = tensor(ctx, new Float64Array(8), [4, 2], 'f32', 'B42');
    const out = empty(ctx, [2, 2], 'f32', 'C');
    expect(() => matmul(ctx, out, a, b)).toThrow(/inner dimensions differ: A23 gives K=3, B42 gives K=4/);
    expect(() => matmul(ctx, out, a, b, { transB: true })).toThrow(/inner dimensions differ/);
    for (const t of [a, b, out]) t.dispose();
  });
});
