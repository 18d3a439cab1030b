// Fused optimizers (shaders/optimizers.wgsl) vs float64 PyTorch update rules over 8 steps, on
// sizes 1, 3, 257, 1001, 1024 (a multiple of 4: Adam's vec4 kernel); clipping and the step guard (shaders/clip.wgsl) vs references. fp32 over
// several steps: atol 1e-6, rtol 1e-5 (Adam: rtol 1e-4, its √v divides small numbers).
import { describe, expect, it } from 'vitest';
import { clipApplyOp, clipScaleOp, clipValueOp, stepGuardOp } from '../../src/kernels/clip';
import { createOptimizerState, optimizerStepOp, type OptimizerConfig } from '../../src/kernels/optimizers';
import { normAndDistance } from '../../src/kernels/reduce';
import { upload, write, zeros } from '../../src/gpu/tensor';
import { asF32, expectClose, uniform } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';
import { refStep } from '../ref/optimizers';

const CONFIGS: OptimizerConfig[] = [
  { type: 'sgd', lr: 0.1 },
  { type: 'sgd', lr: 0.05, momentum: 0.9, weight_decay: 0.01 },
  { type: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true },
  { type: 'adam', lr: 0.01 },
  { type: 'adam', lr: 0.01, weight_decay: 0.1, beta1: 0.8, beta2: 0.99 },
  { type: 'adamw', lr: 0.01, weight_decay: 0.1 },
  { type: 'rmsprop', lr: 0.01 },
  { type: 'rmsprop', lr: 0.01, momentum: 0.9, weight_decay: 0.01 },
];

describe('optimizers vs float64 PyTorch rules', () => {
  const gpu = useGpu();

  for (const config of CONFIGS) {
    it.each([1, 3, 257, 1001, 1024])(`${JSON.stringify(config)} for 8 steps on %i parameters`, async (n) => {
      const ctx = gpu();
      const p = asF32(uniform(n, n));
      const params = canaried(ctx, p, undefined, 'f32', 'params');
      const grads = tensor(ctx, new Float64Array(n));
      const state = createOptimizerState(ctx, config, n, 'opt');
      const clipValue = n === 257 ? 0.5 : 0;
      const step = optimizerStepOp(ctx, config, params.tensor, grads, state, { clipValue });
      const ref = Float64Array.from(p);
      const s = { m: new Float64Array(n), v: new Float64Array(n) };
      for (let t = 1; t <= 8; t++) {
        const g = asF32(uniform(100 * t + n, n, -1, 1));
        write(grads, g);
        step.setStep(t);
        ctx.submit([step]);
        refStep(config, ref, g, s, t, clipValue);
      }
      const adam = config.type.startsWith('adam');
      expectClose(await params.tensor.download(), ref, { atol: 1e-6, rtol: adam ? 1e-4 : 1e-5 }, 'params');
      await params.check();
      step.dispose(); state.dispose(); params.dispose(); grads.dispose();
    });
  }

  it('a NaN guard scale skips the update: parameters and moments unchanged', async () => {
    const ctx = gpu();
    const n = 257;
    const p = asF32(uniform(1, n));
    const params = tensor(ctx, p);
    const grads = tensor(ctx, uniform(2, n));
    const scale = upload(ctx, [NaN], [1], 'f32', 'scale');
    const state = createOptimizerState(ctx, { type: 'adam', lr: 0.1 }, n, 'opt');
    const step = optimizerStepOp(ctx, { type: 'adam', lr: 0.1, weight_decay: 0.5 }, params, grads, state, { gradScale: scale });
    ctx.submit([step]);
    expectClose(await params.download(), p, { atol: 0, rtol: 0 }, 'params');
    expect((await state.buffers[0].download()).every((v) => v === 0)).toBe(true);
    step.dispose(); state.dispose();
    for (const t of [params, grads, scale]) t.dispose();
  });

  // Tensors as the engine lays them out: starting on vec4s, padding included in the last one.
  const segmentsOf = (n: number) => [{ offset: 0, length: 13 }, { offset: 16, length: 300 }, { offset: 316, length: n - 316 }];
  const normsRef = (after: ArrayLike<number>, before: ArrayLike<number>, segs: { offset: number; length: number }[]) =>
    segs.flatMap(({ offset, length }) => {
      let w = 0, d = 0;
      for (let i = offset; i < offset + length; i++) { w += after[i] ** 2; d += (after[i] - before[i]) ** 2; }
      return [w, d];
    });
  it.each(CONFIGS.flatMap((c) => [[c, 1001], [c, 1024], [c, 40_000]] as const))('withNorms of %j: the same update bit for bit, with ‖θ‖², ‖Δθ‖² per segment vs float64 (a skipped update and normsOnly: Δ = 0), on %i parameters', async (config, n) => {
    const ctx = gpu();
    const p = asF32(uniform(7, n));
    const g = asF32(uniform(8, n, -1, 1));
    const segs = segmentsOf(n);
    const runs = [false, true].map(() => ({ params: tensor(ctx, p), state: createOptimizerState(ctx, config, n, 'opt') }));
    const grads = tensor(ctx, g);
    const out = canaried(ctx, 2 * segs.length, undefined, 'f32', 'norms');
    const scale = upload(ctx, [1], [1], 'f32', 'scale');
    const ops = runs.map((r, k) => optimizerStepOp(ctx, config, r.params, grads, r.state, { gradScale: scale, ...(k ? { norms: { out: out.tensor, segments: segs } } : {}) }));
    const tol = { atol: 1e-6, rtol: 1e-5 };
    let before: ArrayLike<number> = p;
    for (let t = 1; t <= 3; t++) {
      for (const o of ops) o.setStep(t);
      ctx.submit([ops[0], ops[1].withNorms!]);
      const [plain, normed] = await Promise.all(runs.map((r) => r.params.download()));
      expect(Array.from(normed), `params, step ${t}`).toEqual(Array.from(plain));
      for (let b = 0; b < 2; b++) expect(Array.from(await runs[1].state.buffers[b].download()), `state ${b}, step ${t}`).toEqual(Array.from(await runs[0].state.buffers[b].download()));
      expect(Array.from(normed).some((v, i) => v !== before[i])).toBe(true); // the update happened
      const norms = await out.tensor.download();
      expectClose(norms, normsRef(normed, before, segs), tol, `norms, step ${t}`);
      // Summed in normAndDistance's order: its bits, from the parameters after and before.
      const [after, prior, sums] = [tensor(ctx, normed), tensor(ctx, before), zeros(ctx, [2 * segs.length], 'f32', 'nd')];
      normAndDistance(ctx, sums, after, prior, segs);
      expect(Array.from(norms), `norms, step ${t}: normAndDistance's bits`).toEqual(Array.from(await sums.download()));
      for (const x of [after, prior, sums]) x.dispose();
      before = normed;
    }
    write(scale, [NaN]);
    ctx.submit([ops[1].withNorms!]);
    expectClose(await runs[1].params.download(), before, { atol: 0, rtol: 0 }, 'params, skipped update');
    const skipped = await out.tensor.download();
    expectClose(skipped, normsRef(before, before, segs), tol, 'norms, skipped update');
    expect(segs.map((_, s) => skipped[2 * s + 1])).toEqual(segs.map(() => 0));
    write(scale, [1]);
    ctx.submit([ops[1].normsOnly!]);
    expectClose(await runs[1].params.download(), before, { atol: 0, rtol: 0 }, 'params, normsOnly');
    expectClose(await out.tensor.download(), normsRef(before, before, segs), tol, 'normsOnly');
    await out.check();
    expect(ops[0].withNorms).toBeNull();
    expect(ops[0].normsOnly).toBeNull();
    for (const o of ops) o.dispose();
    for (const r of runs) { r.params.dispose(); r.state.dispose(); }
    for (const t of [grads, scale]) t.dispose();
    out.dispose();
  });

  it('norms refuse segments that do not start on vec4s or share one', () => {
    const ctx = gpu();
    const params = zeros(ctx, [64], 'f32', 'p');
    const state = createOptimizerState(ctx, { type: 'sgd', lr: 0.1 }, 64, 'opt');
    const out = zeros(ctx, [4], 'f32', 'o');
    for (const segments of [[{ offset: 0, length: 8 }, { offset: 10, length: 8 }], [{ offset: 0, length: 9 }, { offset: 8, length: 8 }], [{ offset: 60, length: 8 }, { offset: 0, length: 4 }]]) {
      expect(() => optimizerStepOp(ctx, { type: 'sgd', lr: 0.1 }, params, params, state, { norms: { out, segments } })).toThrow(/optimizer norms: segment at \d+ .* must start on a multiple of 4/);
    }
    for (const t of [params, out]) t.dispose();
    state.dispose();
  });
});

describe('clipping and the step guard', () => {
  const gpu = useGpu();

  it.each([[1, 0.5], [60, 100], [60, 0.3]])('clip scale over %i tensors with max norm %f equals min(1, c/(‖g‖+1e-6))', async (T, c) => {
    const ctx = gpu();
    const sq = asF32(uniform(T, T, 0, 2));
    const tsq = tensor(ctx, sq);
    const scale = canaried(ctx, 1, undefined, 'f32', 'scale');
    const op = clipScaleOp(ctx, scale.tensor, tsq, c);
    ctx.submit([op]);
    const norm = Math.sqrt(sq.reduce((a, b) => a + b, 0));
    expectClose(await scale.tensor.download(), [Math.min(1, c / (norm + 1e-6))], { atol: 0, rtol: 1e-6 }, 'scale');
    await scale.check();
    op.dispose(); tsq.dispose(); scale.dispose();
  });

  it('the guard flags the first non-finite step with the tensor nearest the output, and keeps it', async () => {
    const ctx = gpu();
    const sq = tensor(ctx, [1, Infinity, 2, NaN, 3]);
    const scale = zeros(ctx, [1], 'f32', 'scale');
    const flag = zeros(ctx, [4], 'u32', 'flag');
    const op = stepGuardOp(ctx, { scale, flag }, sq, null);
    op.setStep(7);
    ctx.submit([op]);
    expect(Number.isNaN((await scale.download())[0])).toBe(true);
    expect(Array.from(await flag.download()).slice(0, 2)).toEqual([7, 3]);
    write(sq, [1, 1, 1, 1, 1]);
    op.setStep(8);
    ctx.submit([op]);
    expect((await scale.download())[0]).toBe(1);
    expect(Array.from(await flag.download()).slice(0, 2)).toEqual([7, 3]); // sticky
    op.dispose();
    for (const t of [sq, scale, flag]) t.dispose();
  });

  it('clipApply and clipValue scale and clamp gradients in place; fused clipping in the optimizer equals clip-then-step', async () => {
    const ctx = gpu();
    const n = 1001;
    const g = asF32(uniform(5, n, -2, 2));
    const grads = canaried(ctx, g, undefined, 'f32', 'grads');
    const scale = upload(ctx, [0.5], [1], 'f32', 'scale');
    const a = clipApplyOp(ctx, grads.tensor, scale);
    const b = clipValueOp(ctx, grads.tensor, 0.3);
    ctx.submit([a, b]);
    expectClose(await grads.tensor.download(), g.map((v) => Math.max(-0.3, Math.min(0.3, 0.5 * v))), { atol: 0, rtol: 1e-7 }, 'clipped');
    await grads.check();
    // fused: scale 0.5 read by SGD equals SGD on 0.5·g
    const p = asF32(uniform(6, n));
    const [p1, p2] = [tensor(ctx, p), tensor(ctx, p)];
    const [g1, g2] = [tensor(ctx, g), tensor(ctx, g.map((v) => 0.5 * v))];
    const cfg: OptimizerConfig = { type: 'sgd', lr: 0.1 };
    const [s1, s2] = [createOptimizerState(ctx, cfg, n, 's1'), createOptimizerState(ctx, cfg, n, 's2')];
    const o1 = optimizerStepOp(ctx, cfg, p1, g1, s1, { gradScale: scale });
    const o2 = optimizerStepOp(ctx, cfg, p2, g2, s2);
    ctx.submit([o1, o2]);
    expectClose(await p1.download(), await p2.download(), { atol: 0, rtol: 0 }, 'fused vs separate');
    for (const o of [a, b, o1, o2]) o.dispose();
    for (const t of [scale, p1, p2, g1, g2]) t.dispose();
    s1.dispose(); s2.dispose(); grads.dispose();
  });
});
