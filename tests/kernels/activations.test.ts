// Activation kernels (shaders/activations.wgsl over activation_fns.wgsl) against the float64
// references in tests/ref/activations.ts, whose derivatives are checked against central
// differences of the reference forwards. Inputs: 0, ±tiny, ±1, ±10, ±20 (softplus threshold),
// ±88 (exp's f32 range), ±100, ±1e4, ±3e38 and neighbours of every branch point, then seeded
// N(0, 3²) and U(−30, 30) values, rounded to f32; sizes 1, 255, 257, 1000 (workgroup 256).
// Closeness is |got − want| ≤ atol + rtol·|want| (tests/reference.ts), NaN never close.
import { describe, expect, it } from 'vitest';
import { activation, activationBackward, activationBackwardOp, activationOp } from '../../src/kernels/activations';
import { ACTIVATIONS, type Activation } from '../../src/kernels/activation_ids';
import { empty, write } from '../../src/gpu/tensor';
import { asF32, expectClose, map, normal, numericGrad, rng, uniform, type Tolerance } from '../reference';
import { canaried, tensor, useGpu } from '../gpu';
import { activations as ref } from '../ref/activations';

const FNS = Object.keys(ACTIVATIONS) as Activation[];
const SIZES = [1, 255, 257, 1000];

const SPECIAL = [
  0, -0, 1e-30, -1e-30, 1e-7, -1e-7, 1, -1, 10, -10, 20, -20, 88, -88, 100, -100, 1e4, -1e4, 3e38, -3e38,
  19.999, 20.001, -19.999, -20.001, 0.4999, -0.4999, 0.5001, -0.5001, 9, -9, 17, -17, 14.2, -14.2, 44, -44, 1e-3, -1e-3,
];

function inputs(n: number, seed: number): Float64Array {
  const gauss = normal(seed, n, 3);
  const wide = uniform(seed + 1, n, -30, 30);
  return asF32(map(n, (i) => (i < SPECIAL.length ? SPECIAL[i] : i % 2 ? gauss[i] : wide[i])));
}

// Piecewise-linear functions: one f32 rounding of x·c (c itself rounded to f32 for leaky_relu,
// selu). exp-, erf- and division-based ones: WGSL's exp is within 3 + 2|a| ULP, about 2.7e-6
// relative for |a| ≤ 10 where outputs matter; atol 1e-6 covers tails of exp(−88) size and the
// zero crossings of gelu', silu', gelu_tanh' (an absolute error there is relatively large).
const EXACT: Tolerance = { atol: 0, rtol: 0 };
const LINEAR: Tolerance = { atol: 0, rtol: 2.5e-7 };
const TRANSCENDENTAL: Tolerance = { atol: 1e-6, rtol: 4e-6 };
const TOL: Record<Activation, { f: Tolerance; df: Tolerance }> = {
  identity: { f: EXACT, df: LINEAR }, // dx = dy·1: exact too, LINEAR only for uniformity of df rows
  sigmoid: { f: TRANSCENDENTAL, df: TRANSCENDENTAL },
  tanh: { f: TRANSCENDENTAL, df: TRANSCENDENTAL },
  relu: { f: EXACT, df: LINEAR },
  leaky_relu: { f: LINEAR, df: LINEAR },
  elu: { f: TRANSCENDENTAL, df: TRANSCENDENTAL },
  selu: { f: TRANSCENDENTAL, df: TRANSCENDENTAL },
  gelu: { f: TRANSCENDENTAL, df: TRANSCENDENTAL },
  gelu_tanh: { f: TRANSCENDENTAL, df: TRANSCENDENTAL },
  silu: { f: TRANSCENDENTAL, df: TRANSCENDENTAL },
  softplus: { f: TRANSCENDENTAL, df: TRANSCENDENTAL },
  // A few divisions (2.5 ULP each); atol: the derivative at ±3e38 is 1e-77, below f32's range.
  softsign: { f: { atol: 0, rtol: 1e-6 }, df: { atol: 1e-37, rtol: 1e-6 } },
};

// Where outputs or derivatives are tiny but still normal f32 (≥ 1e-37), they must stay
// relatively accurate: exactly where a vanishing-gradient study looks. exp at |a| ≤ 80 is within
// 163 ULP (1.9e-5); rtol 5e-5 leaves room for the roundings around it. No atol.
const TAIL: Tolerance = { atol: 0, rtol: 5e-5 };
const TAILS: [Activation, 'f' | 'df', number, number][] = [
  ['sigmoid', 'f', -80, -5],
  ['sigmoid', 'df', -80, -5],
  ['sigmoid', 'df', 5, 80],
  ['tanh', 'df', -40, -5],
  ['tanh', 'df', 5, 40],
  ['elu', 'df', -80, -5],
  ['selu', 'df', -80, -5],
  ['gelu', 'f', -12, -3],
  ['gelu', 'df', -12, -3],
  ['gelu_tanh', 'f', -9, -3],
  ['gelu_tanh', 'df', -9, -3],
  ['silu', 'f', -80, -5],
  ['silu', 'df', -80, -5],
  ['softplus', 'f', -80, -5],
  ['softplus', 'df', -80, -5],
];
// Near 0, where 1 − e or e − 1 would cancel: log-uniform |x| in [1e-30, 0.5].
const SMALL: Activation[] = ['tanh', 'elu', 'selu', 'sigmoid', 'softsign', 'gelu', 'silu'];

/** Runs forward and backward on the GPU: y = act(x), dx = dy ⊙ act'(x). */
async function runGpu(ctx: ReturnType<ReturnType<typeof useGpu>>, fn: Activation, x: Float64Array, dy: Float64Array) {
  const tx = tensor(ctx, x, [x.length], 'f32', 'x');
  const tdy = tensor(ctx, dy, [x.length], 'f32', 'dy');
  const y = empty(ctx, [x.length], 'f32', 'y');
  const dx = empty(ctx, [x.length], 'f32', 'dx');
  activation(ctx, y, tx, fn);
  activationBackward(ctx, dx, tdy, tx, y, fn);
  const out = { y: await y.download(), dx: await dx.download() };
  for (const t of [tx, tdy, y, dx]) t.dispose();
  return out;
}

describe('activation kernels vs float64', () => {
  const gpu = useGpu();

  it.each(FNS.flatMap((fn) => SIZES.map((n) => [fn, n] as const)))('%s forward and backward on %i elements', async (fn, n) => {
    const ctx = gpu();
    const x = inputs(n, n);
    const dy = asF32(normal(n + 7, n));
    const cx = canaried(ctx, x, undefined, 'f32', 'x');
    const cdy = canaried(ctx, dy, undefined, 'f32', 'dy');
    const cy = canaried(ctx, n, undefined, 'f32', 'y');
    const cdx = canaried(ctx, n, undefined, 'f32', 'dx');
    activation(ctx, cy.tensor, cx.tensor, fn);
    activationBackward(ctx, cdx.tensor, cdy.tensor, cx.tensor, cy.tensor, fn);
    const y = await cy.tensor.download();
    const dx = await cdx.tensor.download();
    expect(y.every(Number.isFinite) && dx.every(Number.isFinite), 'finite for every finite input').toBe(true);
    expectClose(y, map(n, (i) => ref[fn].f(x[i])), TOL[fn].f, `${fn}(x)`);
    expectClose(dx, map(n, (i) => dy[i] * ref[fn].df(x[i])), TOL[fn].df, `dy·${fn}'(x)`);
    for (const c of [cx, cdy, cy, cdx]) {
      await c.check();
      c.dispose();
    }
  });

  it.each(TAILS)('%s %s stays relatively accurate on [%d, %d]', async (fn, which, lo, hi) => {
    const x = asF32(uniform(lo * 1000 + hi, 512, lo, hi));
    const dy = map(x.length, () => 1);
    const got = await runGpu(gpu(), fn, x, dy);
    expectClose(which === 'f' ? got.y : got.dx, map(x.length, (i) => ref[fn][which](x[i])), TAIL, `${fn} ${which} tail`);
  });

  it.each(SMALL)('%s and its derivative are relatively accurate for tiny |x|', async (fn) => {
    const r = rng(11);
    const x = asF32(map(512, (i) => (i % 2 ? 1 : -1) * 10 ** (-30 + 29.7 * r())));
    const got = await runGpu(gpu(), fn, x, map(x.length, () => 1));
    expectClose(got.y, map(x.length, (i) => ref[fn].f(x[i])), { atol: 0, rtol: 2e-6 }, `${fn} near 0`);
    expectClose(got.dx, map(x.length, (i) => ref[fn].df(x[i])), { atol: 0, rtol: 2e-6 }, `${fn}' near 0`);
  });

  it('tanh stays in [-1, 1] and sigmoid in [0, 1] exactly, reaching ±1 and 0/1 when saturated', async () => {
    const ctx = gpu();
    const x = asF32(map(4001, (i) => (i - 2000) / 40)); // −50 … 50 in steps of 1/40
    const zero = map(x.length, () => 0);
    const t = (await runGpu(ctx, 'tanh', x, zero)).y;
    const s = (await runGpu(ctx, 'sigmoid', x, zero)).y;
    expect(Math.max(...t.map(Math.abs))).toBe(1);
    expect(Math.min(...s)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...s)).toBe(1);
    expect([t[0], t[4000], s[4000]]).toEqual([-1, 1, 1]);
  });

  it('reference derivatives match central differences of the reference forwards', () => {
    // Away from kinks (relu, leaky_relu, selu at 0) and softplus's threshold jump at 20.
    const xs = [...uniform(5, 200, -8, 8), 15, -15, 30, -30, 0.25, -0.25].filter((v) => Math.abs(v) > 1e-3);
    for (const fn of FNS) {
      const numeric = map(xs.length, (i) => numericGrad((v) => ref[fn].f(v[0]), Float64Array.of(xs[i]))[0]);
      expectClose(map(xs.length, (i) => ref[fn].df(xs[i])), numeric, { atol: 1e-8, rtol: 1e-6 }, `${fn}' vs numericGrad`);
    }
  });

  it('an op is built once and recorded again after its input changes', async () => {
    const ctx = gpu();
    const x = tensor(ctx, [-2, 0.5, 3], [3], 'f32', 'x');
    const y = empty(ctx, [3], 'f32', 'y');
    const op = activationOp(ctx, y, x, 'relu');
    ctx.submit([op]);
    expect(Array.from(await y.download())).toEqual([0, 0.5, 3]);
    write(x, [4, -1, 0.25]);
    ctx.submit([op]);
    expect(Array.from(await y.download())).toEqual([4, 0, 0.25]);
    op.dispose();
    for (const t of [x, y]) t.dispose();
  });

  it('rejects mismatched sizes, dtypes, aliasing and unknown functions with the tensor named', () => {
    const ctx = gpu();
    const a = tensor(ctx, [1, 2, 3], [3], 'f32', 'a3');
    const b = tensor(ctx, [1, 2], [2], 'f32', 'b2');
    const i = tensor(ctx, [1, 2, 3], [3], 'i32', 'ints');
    const c = tensor(ctx, [1, 2, 3], [3], 'f32', 'c3');
    expect(() => activationOp(ctx, a, b, 'tanh')).toThrow(/b2 has 2 elements, expected 3/);
    expect(() => activationOp(ctx, a, i, 'tanh')).toThrow(/ints is i32, expected f32/);
    expect(() => activationOp(ctx, a, a, 'tanh')).toThrow(/may not share a buffer/);
    expect(() => activationBackwardOp(ctx, a, c, c, b, 'tanh')).toThrow(/b2 has 2 elements/);
    expect(() => activationOp(ctx, a, c, 'swish' as Activation)).toThrow(/unknown activation "swish"/);
    for (const t of [a, b, i, c]) t.dispose();
  });
});
