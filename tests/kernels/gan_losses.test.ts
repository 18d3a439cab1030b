// The GAN loss terms (shaders/gan_losses.wgsl) against the float64 references in tests/ref/gan.ts,
// whose derivatives are checked against central differences of the reference terms, and the
// saturating term against its textbook form log(1 − σ(l)) where float64 can still form 1 − σ(l).
// Shapes: n ∈ {1, 7, 65, 257, 1000, 65,537} logits (none a multiple of the 256-wide workgroup but
// 1000's neighbour checks a partial last workgroup); logits N(0, 3²), every fifth one U(−80, 80)
// (σ rounds to 0 or 1 in f32 there: the saturated tails). All outputs and inputs canaried.
// Tolerances (|got − want| ≤ atol + rtol·|want|): mean loss and mean value rtol 2e-6, atol 1e-6
// (f32 exp/log per element and a fixed-order tree sum); dlogits atol 4e-7/n, rtol 1e-5 (a few
// ULP of σ(l) − t, scaled by 1/n); least squares' dlogits rtol 5e-7 (one rounding of l − t).
import { describe, expect, it } from 'vitest';
import { ganLoss, ganLossOp, type GanLossTerm } from '../../src/kernels/gan_losses';
import { empty } from '../../src/gpu/tensor';
import { asF32, expectClose, map, normal, numericGrad, uniform, type Tolerance } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';
import * as ref from '../ref/gan';

const TERMS: [string, GanLossTerm][] = [
  ['bce t=1 (D on real; G non-saturating)', { kind: 'bce', target: 1 }],
  ['bce t=0 (D on fake)', { kind: 'bce', target: 0 }],
  ['saturating (G: log(1 − σ(l)))', { kind: 'saturating' }],
  ['squares t=1 (LSGAN)', { kind: 'squares', target: 1 }],
  ['squares t=0 (LSGAN D on fake)', { kind: 'squares', target: 0 }],
];
const SIZES = [1, 7, 65, 257, 1000, 65_537];
const MEAN: Tolerance = { atol: 1e-6, rtol: 2e-6 };

function logitsFor(n: number, seed: number): Float64Array {
  const g = normal(seed, n, 3);
  const w = uniform(seed + 1, n, -80, 80);
  return asF32(map(n, (i) => (i % 5 === 3 ? w[i] : g[i])));
}

describe('GAN loss terms vs float64', () => {
  const gpu = useGpu();

  it.each(TERMS.flatMap(([name, t]) => SIZES.map((n) => [name, t, n] as const)))('%s, n=%s: mean loss, mean value, dlogits (=)', async (_name, t, n) => {
    const ctx = gpu();
    const x = logitsFor(n, n + 7);
    const cx = canaried(ctx, x, [n, 1], 'f32', 'logits');
    const out = canaried(ctx, 2, [2], 'f32', 'out');
    const dl = canaried(ctx, n, [n, 1], 'f32', 'dlogits');
    ganLoss(ctx, { out: out.tensor, dlogits: dl.tensor }, cx.tensor, t);
    const [got, dgot] = [await out.tensor.download(), await dl.tensor.download()];
    for (const c of [cx, out, dl]) { await c.check(); c.dispose(); }
    const want = ref.ganLoss(x, t);
    expectClose([got[0]], [want.loss], n > 1e4 ? { atol: 1e-5, rtol: 1e-5 } : MEAN, 'mean loss');
    expectClose([got[1]], [want.value], n > 1e4 ? { atol: 1e-5, rtol: 1e-5 } : MEAN, 'mean value');
    expectClose(dgot, want.dlogits, t.kind === 'squares' ? { atol: 0, rtol: 5e-7 } : { atol: 4e-7 / n, rtol: 1e-5 }, 'dlogits');
  });

  it.each(TERMS)("%s: the reference's derivative is the central difference of its loss", (_name, t) => {
    const x = logitsFor(13, 5).map((v) => Math.max(-30, Math.min(30, v))); // h = 1e-6 resolves the slope there
    const want = numericGrad((v) => ref.ganLoss(v, t).loss, x);
    expectClose(ref.ganLoss(x, t).dlogits, want, { atol: 1e-9, rtol: 1e-6 }, 'd mean loss / dl');
  });

  it('the saturating term is log(1 − σ(l)) and stays finite where 1 − σ(l) rounds to 0 in f32', async () => {
    const ctx = gpu();
    const x = [-3, -0.5, 0, 0.5, 3, 12];
    for (const l of x) expect(ref.term(l, { kind: 'saturating' }).loss).toBeCloseTo(Math.log(1 - 1 / (1 + Math.exp(-l))), 10);
    const big = [20, 40, 88];
    const logits = tensor(ctx, big, [3, 1]);
    const out = empty(ctx, [2], 'f32', 'out');
    const dl = empty(ctx, [3, 1], 'f32', 'dl');
    ganLoss(ctx, { out, dlogits: dl }, logits, { kind: 'saturating' });
    const got = await out.download();
    expectClose([got[0]], [-(20 + 40 + 88) / 3], { atol: 0, rtol: 1e-6 }, 'mean log(1 − σ(l)) at l = 20, 40, 88');
    expectClose(await dl.download(), [-1 / 3, -1 / 3, -1 / 3], { atol: 0, rtol: 1e-6 }, 'dlogits −σ(l)/n');
    for (const t of [logits, out, dl]) t.dispose();
  });

  it('is bitwise deterministic, records twice in one pass, refuses aliasing and bad shapes', async () => {
    const ctx = gpu();
    const n = 300;
    const logits = tensor(ctx, logitsFor(n, 2), [n, 1]);
    const out = empty(ctx, [2], 'f32', 'out');
    const dl = empty(ctx, [n, 1], 'f32', 'dl');
    const op = ganLossOp(ctx, { out, dlogits: dl }, logits, { kind: 'bce', target: 1 });
    ctx.submit([op]);
    const first = new Uint32Array((await out.download()).buffer);
    ctx.submit([op, op]);
    expect(new Uint32Array((await out.download()).buffer)).toEqual(first);
    op.dispose();
    expect(() => ganLossOp(ctx, { out, dlogits: logits }, logits, { kind: 'saturating' })).toThrow(/may not share a buffer/);
    expect(() => ganLossOp(ctx, { out: dl, dlogits: out }, logits, { kind: 'saturating' })).toThrow(/elements/);
    for (const t of [logits, out, dl]) t.dispose();
  });
});
