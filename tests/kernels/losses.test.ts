// Fused losses (shaders/losses.wgsl) against the float64 references in tests/ref/losses.ts,
// whose gradients are checked against central differences of the reference losses.
// Shapes: B ∈ {1, 7, 65, 257, 2051} × C ∈ {1, 2, 3, 10, 127} (the elementwise losses take the
// same [B, C] tensors), plus C = 33 and 1000 (rows longer than the row workgroup) and 65,537 rows
// or 2^24+3 elements (grids folded into 2D). Logits N(0, 3²), every fifth row U(−1e4, 1e4), one
// row of equal logits (argmax ties), half the labels the row's argmax; all outputs and inputs
// canaried. Tolerances (|got − want| ≤ atol + rtol·|want|):
//   losses: rtol 2e-6, atol 1e-6 (f32 exp/log per element, a fixed-order f32 tree sum of ≤ 2^24
//     terms; measured ≤ 3.3e-7 relative);
//   dlogits of softmax/BCE: atol 4e-7 / B or / numel (a few ULP of p − 1 ≈ 1, scaled), rtol 1e-5;
//   dpred of MSE: rtol 5e-7 (one rounding of pred − target, one of ×2/n, f32(2/n)); correct: exact.
import { describe, expect, it } from 'vitest';
import { bceWithLogits, bceWithLogitsOp, mse, mseOp, ROW_PER_INVOCATION_CLASSES, rowWorkgroupSize, softmaxCrossEntropy, softmaxCrossEntropyOp } from '../../src/kernels/losses';
import type { GpuContext } from '../../src/gpu/context';
import { empty } from '../../src/gpu/tensor';
import { asF32, expectClose, map, normal, numericGrad, rng, uniform, type Tolerance } from '../reference';
import { canaried, tensor, useGpu, type Canaried } from '../gpu';
import * as ref from '../ref/losses';

const SHAPES = [1, 7, 65, 257, 2051].flatMap((B) => [1, 2, 3, 10, 127].map((C) => [B, C] as const));
const LOSS: Tolerance = { atol: 1e-6, rtol: 2e-6 };
const gradTol = (count: number): Tolerance => ({ atol: 4e-7 / count, rtol: 1e-5 });
const DPRED: Tolerance = { atol: 0, rtol: 5e-7 };

function logitsFor(B: number, C: number, seed: number): Float64Array {
  const g = normal(seed, B * C, 3);
  const w = uniform(seed + 1, B * C, -1e4, 1e4);
  return asF32(map(B * C, (i) => {
    const b = Math.floor(i / C);
    return b === 1 ? 0.5 : b % 5 === 3 ? w[i] : g[i];
  }));
}

/** Odd rows: the row's first argmax (so accuracy is not ~1/C); even rows: uniform in [0, C). */
function labelsFor(logits: Float64Array, B: number, C: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: B }, (_, b) => {
    const row = Array.from(logits.subarray(b * C, (b + 1) * C));
    return b % 2 ? row.indexOf(Math.max(...row)) : Math.floor(r() * C);
  });
}

async function checkAll(...cs: Canaried[]) {
  for (const c of cs) {
    await c.check();
    c.dispose();
  }
}

/** Runs cross-entropy with every tensor canaried; returns what came back. */
async function runXent(ctx: GpuContext, x: Float64Array, labels: number[], B: number, C: number) {
  const cx = canaried(ctx, x, [B, C], 'f32', 'logits');
  const cl = canaried(ctx, labels, [B], 'i32', 'labels');
  const loss = canaried(ctx, 1, [1], 'f32', 'loss');
  const dlogits = canaried(ctx, B * C, [B, C], 'f32', 'dlogits');
  const correct = canaried(ctx, 1, [1], 'u32', 'correct');
  softmaxCrossEntropy(ctx, { loss: loss.tensor, dlogits: dlogits.tensor, correct: correct.tensor }, cx.tensor, cl.tensor);
  const got = { loss: (await loss.tensor.download())[0], dlogits: await dlogits.tensor.download(), correct: (await correct.tensor.download())[0] };
  await checkAll(cx, cl, loss, dlogits, correct);
  return got;
}

describe('softmax cross-entropy vs float64', () => {
  const gpu = useGpu();

  it.each([...SHAPES, [7, 32], [7, 33], [7, 1000]] as const)('B=%i, C=%i: loss, dlogits (=), argmax hits', async (B, C) => {
    const x = logitsFor(B, C, B * 1000 + C);
    const labels = labelsFor(x, B, C, B + C);
    const got = await runXent(gpu(), x, labels, B, C);
    const want = ref.softmaxCrossEntropy(x, labels, B, C);
    expectClose([got.loss], [want.loss], LOSS, 'loss');
    expectClose(got.dlogits, want.dlogits, gradTol(B), 'dlogits');
    expect(got.correct).toBe(want.correct);
  });

  // Rows of up to ROW_PER_INVOCATION_CLASSES classes are one invocation each (64 per workgroup),
  // longer rows one workgroup each: both grids fold into 2D past 65,535 workgroups.
  it.each([[65_537, ROW_PER_INVOCATION_CLASSES + 1], [64 * 65_535 + 1, 2]] as const)('B=%i, C=%i: the row grid folds into 2D', async (B, C) => {
    const x = logitsFor(B, C, 3);
    const labels = labelsFor(x, B, C, 4);
    const got = await runXent(gpu(), x, labels, B, C);
    const want = ref.softmaxCrossEntropy(x, labels, B, C);
    // 4M rows: each of the sum's 256 invocations adds 16K row losses in f32, in order.
    expectClose([got.loss], [want.loss], B > 1e6 ? { atol: 0, rtol: 1e-4 } : LOSS, 'loss');
    expectClose(got.dlogits, want.dlogits, gradTol(B), 'dlogits');
    expect(got.correct).toBe(want.correct);
  });

  it('a label outside [0, C) makes the loss and its own gradient row NaN, reading nothing out of bounds', async () => {
    const [B, C] = [5, 4];
    const x = logitsFor(B, C, 8);
    const labels = [0, -1, 4, 2, 2_147_483_647];
    const got = await runXent(gpu(), x, labels, B, C);
    const want = ref.softmaxCrossEntropy(x, labels, B, C);
    expect(got.loss).toBeNaN();
    for (const b of [1, 2, 4]) expect(Array.from(got.dlogits.subarray(b * C, (b + 1) * C)).every(Number.isNaN), `row ${b} NaN`).toBe(true);
    for (const b of [0, 3]) expectClose(got.dlogits.subarray(b * C, (b + 1) * C), want.dlogits.subarray(b * C, (b + 1) * C), gradTol(B), `row ${b}`);
    expect(got.correct).toBe(want.correct);
  });

  it('is bitwise deterministic, records twice in one pass, and returns its scratch buffer on dispose', async () => {
    const ctx = gpu();
    const [B, C] = [257, 10];
    const x = logitsFor(B, C, 21);
    const before = ctx.pool.counts.inUse;
    const tx = tensor(ctx, x, [B, C], 'f32', 'logits');
    const tl = tensor(ctx, labelsFor(x, B, C, 22), [B], 'i32', 'labels');
    const loss = empty(ctx, [1], 'f32', 'loss');
    const dlogits = empty(ctx, [B, C], 'f32', 'dlogits');
    const op = softmaxCrossEntropyOp(ctx, { loss, dlogits }, tx, tl);
    ctx.submit([op]);
    const first = [await loss.download(), await dlogits.download()];
    ctx.submit([op, op]);
    const second = [await loss.download(), await dlogits.download()];
    expect(new Uint32Array(second[0].buffer)).toEqual(new Uint32Array(first[0].buffer));
    expect(new Uint32Array(second[1].buffer)).toEqual(new Uint32Array(first[1].buffer));
    expect(() => op.setParams([])).toThrow(/sizes are fixed/);
    op.dispose();
    op.dispose(); // idempotent
    for (const t of [tx, tl, loss, dlogits]) t.dispose();
    expect(ctx.pool.counts.inUse).toBe(before);
  });

  it('picks a power-of-two row workgroup in [32, 256]', () => {
    expect([1, 10, 32, 33, 127, 1000].map(rowWorkgroupSize)).toEqual([32, 32, 32, 64, 128, 256]);
  });

  it('rejects wrong shapes, dtypes and aliasing, naming the tensor and the expected shape', () => {
    const ctx = gpu();
    const x = tensor(ctx, map(12, (i) => i), [3, 4], 'f32', 'logits');
    const flat = tensor(ctx, map(12, (i) => i), [12], 'f32', 'flat');
    const labels = tensor(ctx, [0, 1, 2], [3], 'i32', 'labels');
    const ulabels = tensor(ctx, [0, 1, 2], [3], 'u32', 'ulabels');
    const short = tensor(ctx, [0, 1], [2], 'i32', 'short');
    const loss = empty(ctx, [1], 'f32', 'loss');
    const dl = empty(ctx, [3, 4], 'f32', 'dl');
    const dlBad = empty(ctx, [4, 3, 2], 'f32', 'dlBad');
    const fcorrect = empty(ctx, [1], 'f32', 'fcorrect');
    expect(() => softmaxCrossEntropyOp(ctx, { loss, dlogits: dl }, flat, labels)).toThrow(/flat has shape \[12\], expected \[B, C\]/);
    expect(() => softmaxCrossEntropyOp(ctx, { loss, dlogits: dl }, x, ulabels)).toThrow(/ulabels is u32, expected i32/);
    expect(() => softmaxCrossEntropyOp(ctx, { loss, dlogits: dl }, x, short)).toThrow(/short has shape \[2\], expected \[3\]/);
    expect(() => softmaxCrossEntropyOp(ctx, { loss, dlogits: dlBad }, x, labels)).toThrow(/dlBad has shape \[4, 3, 2\], expected \[3, 4\]/);
    expect(() => softmaxCrossEntropyOp(ctx, { loss, dlogits: dl, correct: fcorrect }, x, labels)).toThrow(/fcorrect is f32, expected u32/);
    expect(() => softmaxCrossEntropyOp(ctx, { loss, dlogits: x }, x, labels)).toThrow(/output logits may not share a buffer/);
    expect(() => mseOp(ctx, { loss, dpred: dl }, x, dlBad)).toThrow(/dlBad has shape \[4, 3, 2\], expected \[3, 4\]/);
    expect(() => bceWithLogitsOp(ctx, { loss: dl, dlogits: dl }, x, x)).toThrow(/dl has shape \[3, 4\], expected \[1\]/);
    for (const t of [x, flat, labels, ulabels, short, loss, dl, dlBad, fcorrect]) t.dispose();
  });
});

describe('MSE and BCE with logits vs float64', () => {
  const gpu = useGpu();

  /** Runs an elementwise loss with every tensor canaried. */
  async function runElementwise(which: 'mse' | 'bce', x: Float64Array, t: Float64Array, dims: number[]) {
    const ctx = gpu();
    const n = x.length;
    const cx = canaried(ctx, x, dims, 'f32', 'x');
    const ct = canaried(ctx, t, dims, 'f32', 'target');
    const loss = canaried(ctx, 1, [1], 'f32', 'loss');
    const grad = canaried(ctx, n, dims, 'f32', 'grad');
    if (which === 'mse') mse(ctx, { loss: loss.tensor, dpred: grad.tensor }, cx.tensor, ct.tensor);
    else bceWithLogits(ctx, { loss: loss.tensor, dlogits: grad.tensor }, cx.tensor, ct.tensor);
    const got = { loss: (await loss.tensor.download())[0], grad: await grad.tensor.download() };
    await checkAll(cx, ct, loss, grad);
    return got;
  }

  it.each(SHAPES)('MSE on [%i, %i]', async (B, C) => {
    const x = logitsFor(B, C, B * 1000 + C);
    const t = asF32(normal(B + 5 * C, B * C, 2));
    const got = await runElementwise('mse', x, t, [B, C]);
    const want = ref.mse(x, t);
    expectClose([got.loss], [want.loss], LOSS, 'loss');
    expectClose(got.grad, want.dpred, DPRED, 'dpred');
  });

  it.each(SHAPES)('BCE with logits on [%i, %i] (soft, 0 and 1 targets)', async (B, C) => {
    const n = B * C;
    const x = logitsFor(B, C, B * 1000 + C);
    const soft = uniform(B + 5 * C, n, 0, 1);
    const t = asF32(map(n, (i) => (i % 3 === 0 ? soft[i] : i % 3 === 1 ? 0 : 1)));
    const got = await runElementwise('bce', x, t, [B, C]);
    const want = ref.bceWithLogits(x, t);
    expectClose([got.loss], [want.loss], LOSS, 'loss');
    expectClose(got.grad, want.dlogits, gradTol(n), 'dlogits');
  });

  it('MSE on 2^24+3 elements: 65,537 partial sums, the grid folds into 2D', async () => {
    const n = (1 << 24) + 3;
    const x = map(n, (i) => (i % 7) - 3);
    const t = map(n, (i) => (i % 5) * 0.5);
    expect(Math.ceil(n / 256)).toBeGreaterThan(gpu().maxWorkgroupsPerDimension);
    const got = await runElementwise('mse', x, t, [n]);
    const want = ref.mse(x, t);
    expectClose([got.loss], [want.loss], LOSS, 'loss');
    expectClose(got.grad, want.dpred, DPRED, 'dpred');
  });
});

describe('float64 loss references', () => {
  const TOL: Tolerance = { atol: 1e-9, rtol: 1e-6 };

  it('gradients match central differences of the losses', () => {
    const [B, C] = [3, 5];
    const x = normal(31, B * C, 2);
    const labels = [4, 0, 2];
    expectClose(ref.softmaxCrossEntropy(x, labels, B, C).dlogits, numericGrad((v) => ref.softmaxCrossEntropy(v, labels, B, C).loss, x), TOL, 'softmax CE');
    const t = normal(32, 12);
    const p = normal(33, 12, 3);
    expectClose(ref.mse(p, t).dpred, numericGrad((v) => ref.mse(v, t).loss, p), TOL, 'MSE');
    const soft = uniform(34, 12, 0, 1);
    expectClose(ref.bceWithLogits(p, soft).dlogits, numericGrad((v) => ref.bceWithLogits(v, soft).loss, p), TOL, 'BCE');
  });

  it('the stable BCE form equals the textbook definition where both are finite', () => {
    const x = normal(35, 200, 4);
    const t = uniform(36, 200, 0, 1);
    expectClose([ref.bceWithLogits(x, t).loss], [ref.bceDefinition(x, t)], { atol: 0, rtol: 1e-12 }, 'BCE forms');
  });
});
