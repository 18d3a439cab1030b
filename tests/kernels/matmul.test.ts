// Matmul (shaders/matmul*.wgsl) vs float64 references (tests/ref/matmul.ts).
// - Every kernel variant with every transpose combination, on every shape of SHAPES it can run:
//   1×1×1, the blocks (16, 32, 64) ± 1, primes, K >= 2048. Inputs and outputs are canaried: the
//   bindings run on into NaN words, so an out-of-bounds load shows as NaN and a store as a
//   changed canary.
// - The fused epilogue act(A·Bᵀ + bias) with the preactivation stored, per variant; the fused
//   activation backward (A·B) ⊙ act'(z), bit-equal to the unfused product and activationBackward.
// - The backward products (dA = dZ·Bᵀ, dB = Aᵀ·dZ, db = Σ_rows dZ for L = Σ G ⊙ act(A·B + b)):
//   the float64 reference against central differences of the float64 forward, the kernels
//   against the reference. (A dense layer's three products, X·Wᵀ, dY·W and dYᵀ·X, run at
//   training shapes with the variants chooseMatmulVariant picks.)
// Tolerance: atol = 1e-5·√K, rtol = 1e-4 (fp32 sums of K products of values in [-1, 1]).
import { describe, expect, it } from 'vitest';
import { biasGrad, chooseMatmulVariant, MATMUL_VARIANTS, splitsFor, matmul, matmulGradA, matmulGradB, matmulOp, subgroupLanes, variantCases, variantFits, variantRunsOn, type MatmulVariant } from '../../src/kernels/matmul';
import type { Activation } from '../../src/kernels/activation_ids';
import { activationBackward } from '../../src/kernels/activations';
import { empty } from '../../src/gpu/tensor';
import { asF32, expectClose, numericGrad, uniform } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';
import { activations } from '../ref/activations';
import { biasGradRef, linearBackwardRef, linearRef, matmulRef } from '../ref/matmul';

const tol = (K: number) => ({ atol: 1e-5 * Math.sqrt(K), rtol: 1e-4 });
const SHAPES: [number, number, number][] = [
  [1, 1, 1], [4, 4, 4], [15, 17, 9], [16, 16, 16], [31, 33, 32], [33, 36, 20], [60, 68, 12], [63, 65, 64], [65, 63, 7],
  [7, 127, 257], [257, 3, 65], [128, 64, 64], [64, 128, 48], [2, 5, 2053], [12, 40, 2052], [64, 64, 2048],
  [36, 2, 2053], [132, 3, 65], // N ≤ 4 with M % 4 == 0: tn_cols4's shapes
  [20, 36, 1027], // M, N % 4 == 0 with K % 4 == 3: the last k of the tn kernels
];
const TRANS = [[false, false], [true, false], [false, true], [true, true]] as const;

describe('matmul vs float64', () => {
  const gpu = useGpu();

  async function check(variant: MatmulVariant | undefined, M: number, N: number, K: number, tA: boolean, tB: boolean) {
    const ctx = gpu();
    const a = asF32(uniform(M + 7 * N, M * K));
    const b = asF32(uniform(K + 3, K * N));
    const ta = canaried(ctx, a, tA ? [K, M] : [M, K], 'f32', 'A');
    const tb = canaried(ctx, b, tB ? [N, K] : [K, N], 'f32', 'B');
    const out = canaried(ctx, M * N, [M, N], 'f32', 'C');
    matmul(ctx, out.tensor, ta.tensor, tb.tensor, { transA: tA, transB: tB, variant });
    expectClose(await out.tensor.download(), matmulRef(a, b, M, N, K, tA, tB), tol(K), `C ${variant} M=${M} N=${N} K=${K} tA=${tA} tB=${tB}`);
    for (const t of [out, ta, tb]) {
      await t.check();
      t.dispose();
    }
  }

  // Every variant with every transpose case it runs (tn_vec4, the tn k1 ones and tn_cols4 run transA only, broadcast_vec4
  // transB only, broadcast_rows8_k1 and broadcast_rows16_k1 neither).
  const runs = (v: MatmulVariant, tA: boolean, tB: boolean) => SHAPES.some(([M, N, K]) => variantFits(v, M, N, K, tA, tB));
  const combos = MATMUL_VARIANTS.flatMap((v) => TRANS.filter(([tA, tB]) => runs(v, tA, tB)).map(([tA, tB]) => [v, tA, tB] as const));
  it('covers every variant in every transpose case it runs', () => {
    for (const v of MATMUL_VARIANTS) expect(combos.filter((c) => c[0] === v).map(([, tA, tB]) => [tA, tB])).toEqual(variantCases(v));
    expect(variantCases('broadcast_vec4')).toEqual([[false, true]]);
  });
  it.each(combos)('%s transA=%s transB=%s on every shape it runs', async (variant, tA, tB) => {
    if (!variantRunsOn(gpu(), variant)) return; // broadcast needs subgroups of 8 lanes
    const shapes = SHAPES.filter(([M, N, K]) => variantFits(variant, M, N, K, tA, tB));
    // Coverage: several shapes, one with K >= 2048, and (unless the variant needs whole blocks)
    // one whose M and N are both ragged against the workgroup's block.
    expect(shapes.length).toBeGreaterThanOrEqual(3);
    expect(shapes.some(([, , K]) => K >= 2048)).toBe(true);
    // (the tn_cols4 kernels run N ≤ 4 only: ragged M against their 32 or 16 rows.)
    if (variant === 'tn_cols4') expect(shapes.some(([M]) => M % 32 !== 0 && M > 32)).toBe(true);
    else if (variant === 'tn_cols4_lanes4') expect(shapes.some(([M]) => M % 16 !== 0 && M > 16)).toBe(true);
    else if (!variant.endsWith('_exact')) expect(shapes.some(([M, N]) => M % 16 !== 0 && N % 16 !== 0 && M > 16 && N > 16)).toBe(true);
    for (const [M, N, K] of shapes) await check(variant, M, N, K, tA, tB);
  });

  it('the chosen variant on training shapes (batch 1, 32, 128; 784 → 256 → 10)', async () => {
    for (const B of [1, 32, 128]) {
      for (const [fin, fout] of [[784, 256], [256, 10]]) {
        await check(undefined, B, fout, fin, false, true); // forward X·Wᵀ
        await check(undefined, B, fin, fout, false, false); // dX = dY·W
        await check(undefined, fout, fin, B, true, false); // dW = dYᵀ·X
      }
    }
  });

  // The vec4-load broadcast kernels, tn_cols4 and the lanes4 ones sum as matmul_broadcast does (fma from 0, k in
  // order): the same bits, so switching kernels moves no trained net (ragged M, N; K ≥ 2048 once).
  it.each([['broadcast_vec4', false, true], ['broadcast_vec4_wide', false, true], ['broadcast_rows8_k1', false, false], ['broadcast_rows16_k1', false, false], ['tn_rows8_k1', true, false], ['tn_rows16_k1', true, false], ['tn_cols4', true, false], ['tn_cols4_lanes4', true, false], ['tn_lanes4', true, false], ['nn_lanes4', false, false], ['nt_lanes4', false, true]] as const)('%s gives the bits of broadcast (transA=%s transB=%s)', async (variant, tA, tB) => {
    const ctx = gpu();
    if (!variantRunsOn(ctx, variant)) return;
    const shapes = [[33, 36, 20], [65, 68, 36], [7, 12, 2052], [128, 40, 256], [129, 44, 10], [9, 8, 3], [36, 44, 21], [68, 40, 2050], [12, 36, 3], [36, 2, 2053], [132, 3, 65], [8, 1, 7], [128, 2, 3200]].filter(([M, N, K]) => variantFits(variant, M, N, K, tA, tB));
    expect(shapes.length).toBeGreaterThanOrEqual(4);
    for (const [M, N, K] of shapes) {
      const [a, b] = [asF32(uniform(M + K, M * K)), asF32(uniform(N + K, K * N))];
      const [ta, tb] = [tensor(ctx, a, tA ? [K, M] : [M, K]), tensor(ctx, b, tB ? [N, K] : [K, N])];
      const [c1, c2] = [empty(ctx, [M, N], 'f32', 'C.vec4'), empty(ctx, [M, N], 'f32', 'C.broadcast')];
      matmul(ctx, c1, ta, tb, { transA: tA, transB: tB, variant });
      matmul(ctx, c2, ta, tb, { transA: tA, transB: tB, variant: 'broadcast' });
      expect(Array.from(await c1.download()), `${variant} M=${M} N=${N} K=${K}`).toEqual(Array.from(await c2.download()));
      for (const t of [ta, tb, c1, c2]) t.dispose();
    }
  });

  const ACTS: Activation[] = ['identity', 'relu', 'tanh', 'sigmoid', 'gelu'];
  // The forward's case A·Bᵀ, or the variant's only one (A stored [K, M] with transA).
  const forwardCase = (v: MatmulVariant) => variantCases(v).find(([tA, tB]) => !tA && tB) ?? variantCases(v)[0];
  it.each(MATMUL_VARIANTS.flatMap((v) => ACTS.map((fn) => [v, fn] as const)))('%s: fused act(A·Bᵀ + bias) (its own case for one-case variants) with %s, preactivation stored', async (variant, fn) => {
    const ctx = gpu();
    if (!variantRunsOn(ctx, variant)) return;
    const [tA, tB] = forwardCase(variant);
    const [M, N, K] = [[65, 67, 36], [68, 60, 33], [64, 64, 32], [68, 3, 33]].find(([m, n, k]) => variantFits(variant, m, n, k, tA, tB))!;
    const x = asF32(uniform(1, M * K));
    const w = asF32(uniform(2, N * K));
    const bias = asF32(uniform(3, N));
    const [tx, tw, tbias] = [tensor(ctx, x, tA ? [K, M] : [M, K]), tensor(ctx, w, tB ? [N, K] : [K, N]), canaried(ctx, bias, [N], 'f32', 'bias')];
    const y = canaried(ctx, M * N, [M, N], 'f32', 'y');
    const z = canaried(ctx, M * N, [M, N], 'f32', 'z');
    matmul(ctx, y.tensor, tx, tw, { transA: tA, transB: tB, bias: tbias.tensor, activation: fn, preactivation: z.tensor, variant });
    const ref = linearRef(x, w, bias, M, N, K, fn, tB, tA);
    expectClose(await z.tensor.download(), ref.z, tol(K), 'z');
    expectClose(await y.tensor.download(), ref.y, tol(K), 'y');
    for (const t of [y, z, tbias]) {
      await t.check();
      t.dispose();
    }
    tx.dispose();
    tw.dispose();
  });

  // dX = (dY·W) ⊙ act'(z) in the store: the same bits as the product followed by
  // activationBackward (the unfused path), and the float64 product times act'(z) within tol.
  it.each(MATMUL_VARIANTS.flatMap((v) => ACTS.map((fn) => [v, fn] as const)))('%s: fused activation backward (A·B) ⊙ %s\'(z), bit-equal to the product then activationBackward', async (variant, fn) => {
    const ctx = gpu();
    if (!variantRunsOn(ctx, variant)) return;
    const [tA, tB] = variantCases(variant).find(([, tB]) => !tB) ?? variantCases(variant)[0]; // dX = dY·W's case where the variant runs it
    const [M, N, K] = [[65, 67, 36], [68, 60, 33], [64, 64, 32], [68, 3, 33]].find(([m, n, k]) => variantFits(variant, m, n, k, tA, tB))!;
    const [a, b, z] = [asF32(uniform(7, M * K)), asF32(uniform(8, K * N)), asF32(uniform(9, M * N, -3, 3))];
    const [ta, tb, tz] = [tensor(ctx, a, tA ? [K, M] : [M, K]), tensor(ctx, b, tB ? [N, K] : [K, N]), canaried(ctx, z, [M, N], 'f32', 'z')];
    const fused = canaried(ctx, M * N, [M, N], 'f32', 'dX');
    matmul(ctx, fused.tensor, ta, tb, { transA: tA, transB: tB, activationGrad: { fn, z: tz.tensor }, variant });
    const [c, unfused] = [empty(ctx, [M, N], 'f32', 'C'), empty(ctx, [M, N], 'f32', 'dX.unfused')];
    matmul(ctx, c, ta, tb, { transA: tA, transB: tB, variant });
    activationBackward(ctx, unfused, c, tz.tensor, tz.tensor, fn);
    const got = await fused.tensor.download();
    expect(Array.from(got)).toEqual(Array.from(await unfused.download()));
    const df = activations[fn].df;
    expectClose(got, matmulRef(a, b, M, N, K, tA, tB).map((v, i) => v * df(z[i])), tol(K), 'dX');
    for (const t of [fused, tz]) {
      await t.check();
      t.dispose();
    }
    for (const t of [ta, tb, c, unfused]) t.dispose();
  });

  // dW = dYᵀ·X with db = Σ_rows dY from the same kernel (or biasGradOp after it, for the variants
  // that do not sum): db the same bits as biasGradOp alone, dW as without db, on shapes whose M
  // is ragged against every block (and one K >= 2048), canaried.
  const dwVariants = MATMUL_VARIANTS.filter((v) => variantCases(v).some(([tA, tB]) => tA && !tB));
  it.each(dwVariants.map((v) => [v] as const))('%s: dW = dYᵀ·X with db = Σ_rows dY, db the bits of biasGradOp', async (variant) => {
    const ctx = gpu();
    if (!variantRunsOn(ctx, variant)) return;
    const shapes = [[1, 1, 1], [68, 36, 33], [132, 4, 7], [20, 2, 2053], [44, 8, 2050], [9, 17, 65], [36, 3, 65]].filter(([M, N, K]) => variantFits(variant, M, N, K, true, false));
    expect(shapes.length).toBeGreaterThanOrEqual(variant === 'tiled_exact' ? 0 : 3);
    for (const [M, N, K] of shapes) {
      const [a, b] = [asF32(uniform(31 + M, K * M)), asF32(uniform(32 + N, K * N))];
      const [ta, tb] = [canaried(ctx, a, [K, M], 'f32', 'dY'), tensor(ctx, b, [K, N])];
      const [dW, db] = [canaried(ctx, M * N, [M, N], 'f32', 'dW'), canaried(ctx, M, [M], 'f32', 'db')];
      matmul(ctx, dW.tensor, ta.tensor, tb, { transA: true, db: db.tensor, variant });
      const [alone, dbAlone] = [empty(ctx, [M, N], 'f32', 'dW.alone'), empty(ctx, [M], 'f32', 'db.alone')];
      matmul(ctx, alone, ta.tensor, tb, { transA: true, variant });
      biasGrad(ctx, dbAlone, ta.tensor);
      const what = `${variant} M=${M} N=${N} K=${K}`;
      expect(Array.from(await db.tensor.download()), `db ${what}`).toEqual(Array.from(await dbAlone.download()));
      expect(Array.from(await dW.tensor.download()), `dW ${what}`).toEqual(Array.from(await alone.download()));
      expectClose(await db.tensor.download(), biasGradRef(a, K, M), tol(K), `db ${what} vs float64`);
      for (const t of [ta, dW, db]) {
        await t.check();
        t.dispose();
      }
      for (const t of [tb, alone, dbAlone]) t.dispose();
    }
  });

  it('activation without bias, bias without activation or preactivation', async () => {
    const ctx = gpu();
    const [M, N, K] = [33, 10, 20];
    const x = asF32(uniform(4, M * K));
    const w = asF32(uniform(5, N * K));
    const bias = asF32(uniform(6, N));
    const [tx, tw, tbias] = [tensor(ctx, x, [M, K]), tensor(ctx, w, [N, K]), tensor(ctx, bias, [N])];
    const y = canaried(ctx, M * N, [M, N], 'f32', 'y');
    matmul(ctx, y.tensor, tx, tw, { transB: true, activation: 'tanh' });
    expectClose(await y.tensor.download(), linearRef(x, w, new Float64Array(N), M, N, K, 'tanh', true).y, tol(K), 'tanh(X·Wᵀ)');
    matmul(ctx, y.tensor, tx, tw, { transB: true, bias: tbias });
    expectClose(await y.tensor.download(), linearRef(x, w, bias, M, N, K, 'identity', true).y, tol(K), 'X·Wᵀ + b');
    await y.check();
    for (const t of [tx, tw, tbias, y]) t.dispose();
  });

  it.each([[1, 1], [7, 65], [513, 10], [2049, 3]])('bias gradient: column sums of dC [%i, %i]', async (M, N) => {
    const ctx = gpu();
    const dc = asF32(uniform(M * N, M * N));
    const tdc = canaried(ctx, dc, [M, N], 'f32', 'dC');
    const db = canaried(ctx, N, [N], 'f32', 'db');
    biasGrad(ctx, db.tensor, tdc.tensor);
    expectClose(await db.tensor.download(), biasGradRef(dc, M, N), tol(M), 'db');
    for (const t of [db, tdc]) {
      await t.check();
      t.dispose();
    }
  });

  // L = Σ G ⊙ act(A·B + b): the reference gradients equal central differences of the float64
  // forward (activations smooth at the sampled points), and the kernels, given the f32 dZ, equal
  // the reference products of that dZ.
  it.each(['identity', 'tanh', 'sigmoid', 'gelu'] as const)('backward reference with %s vs finite differences', (fn) => {
    const [M, N, K] = [5, 3, 7];
    const [a, b, bias, g] = [uniform(11, M * K), uniform(12, K * N), uniform(13, N), uniform(14, M * N)];
    const loss = (as: Float64Array, bs: Float64Array, cs: Float64Array) => linearRef(as, bs, cs, M, N, K, fn).y.reduce((s, v, i) => s + v * g[i], 0);
    const ref = linearBackwardRef(a, b, linearRef(a, b, bias, M, N, K, fn).z, g, M, N, K, fn);
    const fd = { atol: 1e-7, rtol: 1e-6 };
    expectClose(ref.da, numericGrad((v) => loss(v, b, bias), a), fd, 'dA reference');
    expectClose(ref.db, numericGrad((v) => loss(a, v, bias), b), fd, 'dB reference');
    expectClose(ref.dbias, numericGrad((v) => loss(a, b, v), bias), fd, 'db reference');
  });

  it.each([[5, 3, 7, 'tanh'], [32, 10, 784, 'identity'], [33, 65, 63, 'gelu'], [128, 256, 784, 'sigmoid'], [1, 16, 4, 'tanh']] as const)(
    'backward kernels M=%i N=%i K=%i (%s): dA = dZ·Bᵀ, dB = Aᵀ·dZ, db = Σ_rows dZ',
    async (M, N, K, fn) => {
      const ctx = gpu();
      const [a, b] = [asF32(uniform(21, M * K)), asF32(uniform(22, K * N))];
      const { z } = linearRef(a, b, uniform(23, N), M, N, K, fn);
      const dz = asF32(linearBackwardRef(a, b, z, uniform(24, M * N), M, N, K, fn).dz);
      const [ta, tb, tdz] = [tensor(ctx, a, [M, K]), tensor(ctx, b, [K, N]), canaried(ctx, dz, [M, N], 'f32', 'dZ')];
      const da = canaried(ctx, M * K, [M, K], 'f32', 'dA');
      const db = canaried(ctx, K * N, [K, N], 'f32', 'dB');
      const dbias = canaried(ctx, N, [N], 'f32', 'dbias');
      matmulGradA(ctx, da.tensor, tdz.tensor, tb);
      matmulGradB(ctx, db.tensor, ta, tdz.tensor);
      biasGrad(ctx, dbias.tensor, tdz.tensor);
      expectClose(await da.tensor.download(), matmulRef(dz, b, M, K, N, false, true), tol(N), 'dA');
      expectClose(await db.tensor.download(), matmulRef(a, dz, K, N, M, true, false), tol(M), 'dB');
      expectClose(await dbias.tensor.download(), biasGradRef(dz, M, N), tol(M), 'db');
      for (const t of [da, db, dbias, tdz]) {
        await t.check();
        t.dispose();
      }
      ta.dispose();
      tb.dispose();
    },
  );

  it('chooseMatmulVariant: always a variant that runs the shape; the measured picks at training shapes', () => {
    const dims = [1, 3, 4, 10, 16, 17, 32, 64, 65, 256, 512, 784, 1024];
    for (const M of dims) for (const N of dims) for (const K of dims) for (const [tA, tB] of TRANS) for (const [sw, sg] of [[true, 0], [true, 4], [true, 8], [false, 0], [false, 8]] as const) {
      const v = chooseMatmulVariant(M, N, K, tA, tB, sw, sg);
      if (!variantFits(v, M, N, K, tA, tB)) throw new Error(`${v} chosen for M=${M} N=${N} K=${K} tA=${tA} tB=${tB} but cannot run it`);
      if (sw) expect(v.startsWith('tiled')).toBe(false);
    }
    expect(chooseMatmulVariant(32, 256, 784, false, true, true)).toBe('direct'); // forward X·Wᵀ
    expect(chooseMatmulVariant(32, 10, 784, false, true, true)).toBe('direct_narrow'); // forward into 10 classes
    expect(chooseMatmulVariant(32, 784, 10, false, false, true)).toBe('direct'); // dX = dY·W from 10 classes
    expect(chooseMatmulVariant(256, 784, 32, true, false, true)).toBe('tn_vec4'); // dW = dYᵀ·X [256, 784]
    expect(chooseMatmulVariant(10, 784, 32, true, false, true)).toBe('direct'); // dW [10, 784]: M = 10
    expect(chooseMatmulVariant(256, 12, 32, true, false, true)).toBe('direct_narrow'); // dW [256, 12]
    // SwiftShader, subgroups of 4: the lanes4 kernels where M ≥ 16, N ≥ 32, K ≥ 16 and the vec4s fit, else as without subgroups.
    expect(chooseMatmulVariant(128, 32, 3200, true, false, true, 4)).toBe('tn_lanes4'); // the LSTM adding step's dW_hh
    expect(chooseMatmulVariant(256, 784, 32, true, false, true, 4)).toBe('tn_lanes4');
    expect(chooseMatmulVariant(32, 256, 784, false, true, true, 4)).toBe('nt_lanes4'); // forward X·Wᵀ
    expect(chooseMatmulVariant(32, 784, 256, false, false, true, 4)).toBe('nn_lanes4'); // dX = dY·W
    expect(chooseMatmulVariant(256, 16, 32, true, false, true, 4)).toBe('direct_narrow'); // N = 16
    expect(chooseMatmulVariant(32, 784, 10, false, false, true, 4)).toBe('direct'); // K = 10
    expect(chooseMatmulVariant(8, 256, 784, false, true, true, 4)).toBe('direct'); // M = 8
    expect(chooseMatmulVariant(128, 2, 3200, true, false, true, 4)).toBe('tn_cols4_lanes4'); // the LSTM adding step's dW_ih
    // lavapipe with subgroups of 8: broadcast, but the k1 kernels (broadcast's bits) or tn_vec4 (its own) where they fit.
    expect(chooseMatmulVariant(32, 256, 784, false, true, true, 8)).toBe('broadcast_vec4_wide'); // K % 4 == 0, N ≥ 32
    expect(chooseMatmulVariant(32, 10, 256, false, true, true, 8)).toBe('broadcast_vec4'); // into 10 classes
    expect(chooseMatmulVariant(256, 256, 256, false, false, true, 8)).toBe('broadcast_rows16_k1'); // N % 4 == 0
    expect(chooseMatmulVariant(128, 256, 256, false, false, true, 8)).toBe('broadcast_rows16_k1'); // the MLP's hidden dX
    expect(chooseMatmulVariant(12, 64, 64, false, false, true, 8)).toBe('broadcast_rows16_k1'); // M > 8
    expect(chooseMatmulVariant(8, 64, 64, false, false, true, 8)).toBe('broadcast_rows8_k1'); // M ≤ 8
    expect(chooseMatmulVariant(32, 784, 10, false, false, true, 8)).toBe('broadcast_rows16_k1'); // dX from 10 classes: K = 10
    expect(chooseMatmulVariant(8, 784, 10, false, false, true, 8)).toBe('broadcast_rows8_k1'); // M ≤ 8
    expect(chooseMatmulVariant(3200, 2, 128, false, false, true, 8)).toBe('broadcast'); // N = 2
    expect(chooseMatmulVariant(3200, 128, 2, false, true, true, 8)).toBe('broadcast'); // K = 2
    expect(chooseMatmulVariant(256, 784, 128, true, false, true, 8)).toBe('tn_rows16_k1'); // dW, M ≥ 16, N ≥ 32, K ≥ 16
    expect(chooseMatmulVariant(256, 784, 32, true, false, true, 8)).toBe('tn_rows16_k1');
    expect(chooseMatmulVariant(128, 32, 3200, true, false, true, 8)).toBe('tn_rows16_k1'); // the LSTM adding step's dW_hh
    expect(chooseMatmulVariant(8, 64, 32, true, false, true, 8)).toBe('tn_vec4'); // M = 8
    expect(chooseMatmulVariant(256, 784, 8, true, false, true, 8)).toBe('tn_vec4'); // batch 8
    expect(chooseMatmulVariant(16, 16, 64, true, false, true, 8)).toBe('tn_vec4'); // N = 16
    expect(chooseMatmulVariant(10, 256, 32, true, false, true, 8)).toBe('tn_rows16_k1'); // M = 10: no vec4, broadcast's bits
    expect(chooseMatmulVariant(6, 256, 32, true, false, true, 8)).toBe('tn_rows8_k1'); // M ≤ 8
    expect(chooseMatmulVariant(10, 6, 32, true, false, true, 8)).toBe('broadcast'); // N % 4 ≠ 0
    expect(chooseMatmulVariant(128, 2, 3200, true, false, true, 8)).toBe('tn_cols4'); // the LSTM adding step's dW_ih: N = 2
    expect(chooseMatmulVariant(10, 2, 32, true, false, true, 8)).toBe('broadcast'); // N = 2 but M = 10
    expect(chooseMatmulVariant(512, 512, 512, false, false, false, 8)).toBe('tiled_split'); // GPUs ignore subgroups here
    // Hardware GPUs: workgroup memory; outputs of few 64×64 blocks split K to fill the GPU.
    expect(chooseMatmulVariant(1024, 1024, 1024, false, false, false)).toBe('tiled_exact');
    expect(chooseMatmulVariant(1025, 1030, 512, false, false, false)).toBe('tiled');
    expect(chooseMatmulVariant(512, 512, 512, false, false, false)).toBe('tiled_split'); // 64 blocks: 2 ranges
    expect(chooseMatmulVariant(32, 10, 784, false, true, false)).toBe('tiled_split');
    expect(chooseMatmulVariant(32, 256, 16, false, true, false)).toBe('tiled'); // K too short to split
    expect([splitsFor(32, 256, 784), splitsFor(128, 256, 784), splitsFor(10, 256, 32), splitsFor(1024, 1024, 1024), splitsFor(4096, 256, 4096), splitsFor(128, 784, 256)]).toEqual([16, 16, 1, 1, 1, 5]);
  });

  it('split-K products share the context scratch: two chained in one pass, (A·B)·D, each split 5 ways', async () => {
    const ctx = gpu();
    const [M, K1, N1, N2] = [33, 300, 70, 9];
    const a = asF32(uniform(21, M * K1));
    const b = asF32(uniform(22, K1 * N1));
    const d = asF32(uniform(23, N1 * N2));
    const [ta, tb, td] = [tensor(ctx, a, [M, K1]), tensor(ctx, b, [K1, N1]), tensor(ctx, d, [N1, N2])];
    const ab = empty(ctx, [M, N1], 'f32', 'AB');
    const out = canaried(ctx, M * N2, [M, N2], 'f32', 'ABD');
    const first = matmulOp(ctx, ab, ta, tb, { variant: 'tiled_split', splits: 5 });
    const second = matmulOp(ctx, out.tensor, ab, td, { variant: 'tiled_split', splits: 5 });
    expect([first.variant, second.variant]).toEqual(['tiled_split×5', 'tiled_split×5']);
    ctx.submit([first, second]);
    const abRef = matmulRef(a, b, M, N1, K1, false, false);
    expectClose(await out.tensor.download(), matmulRef(asF32(abRef), d, M, N2, N1, false, false), tol(K1 * N1), 'A·B·D');
    await out.check();
    for (const x of [first, second, out, ta, tb, td, ab]) x.dispose();
    expect(() => matmulOp(ctx, ab, ta, tb, { variant: 'tiled_split', splits: 0 })).toThrow(/splits must be an integer >= 1, got 0/);
  });

  it('matmulOp reports the variant it runs', () => {
    const ctx = gpu();
    const [a, b, out] = [empty(ctx, [32, 784], 'f32', 'X'), empty(ctx, [10, 784], 'f32', 'W'), empty(ctx, [32, 10], 'f32', 'Y')];
    const op = matmulOp(ctx, out, a, b, { transB: true });
    expect(op.variant).toBe(chooseMatmulVariant(32, 10, 784, false, true, ctx.gpu.adapter.software, subgroupLanes(ctx)));
    op.dispose();
    const forced = matmulOp(ctx, out, a, b, { transB: true, variant: 'direct' });
    expect(forced.variant).toBe('direct');
    forced.dispose();
    for (const t of [a, b, out]) t.dispose();
  });

  it('rejects shapes that do not fit, naming the tensor and the expected shape', () => {
    const ctx = gpu();
    const a = tensor(ctx, new Float64Array(6), [2, 3], 'f32', 'A23');
    const b = tensor(ctx, new Float64Array(8), [4, 2], 'f32', 'B42');
    const b32 = tensor(ctx, new Float64Array(6), [3, 2], 'f32', 'B32');
    const out = empty(ctx, [2, 2], 'f32', 'C22');
    const bias = empty(ctx, [3], 'f32', 'bias3');
    expect(() => matmul(ctx, out, a, b)).toThrow(/inner dimensions differ: A23 gives K=3, B42 gives K=4/);
    expect(() => matmul(ctx, out, a, b, { transB: true })).toThrow(/inner dimensions differ/);
    expect(() => matmul(ctx, out, b, a)).toThrow(/output C22 has shape \[2,2\], expected \[4, 3\]/);
    expect(() => matmul(ctx, out, a, b32, { bias })).toThrow(/bias bias3 must be f32 \[2\]/);
    expect(() => matmul(ctx, out, a, b32, { variant: 'tn_vec4' })).toThrow(/variant tn_vec4 cannot run M=2 N=2 K=3/);
    expect(() => matmul(ctx, out, a, b32, { preactivation: bias })).toThrow(/preactivation bias3 must be f32 \[2, 2\]/);
    expect(() => matmul(ctx, out, a, b32, { activationGrad: { fn: 'relu', z: bias } })).toThrow(/activationGrad.z bias3 must be f32 \[2, 2\]/);
    expect(() => matmul(ctx, out, a, b32, { bias: bias, activationGrad: { fn: 'relu', z: out } })).toThrow(/activationGrad excludes bias/);
    expect(() => biasGrad(ctx, bias, out)).toThrow(/bias3 has 3 elements, expected 2/);
    expect(() => matmul(ctx, out, a, b32, { db: empty(ctx, [2], 'f32', 'db2') })).toThrow(/db \(the bias gradient of dW = dYᵀ·X\) needs transA/);
    expect(() => matmul(ctx, out, b32, b32, { transA: true, db: bias })).toThrow(/db bias3 must be f32 \[2\]/);
    for (const t of [a, b, b32, out, bias]) t.dispose();
  });
});
