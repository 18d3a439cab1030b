// Segment reductions (src/kernels/reduce.ts) against the float64 references in tests/ref/reduce.ts.
// x is one flat f32 buffer; segments start at offsets that are not multiples of 4, and every
// element outside the segments is NaN, as are the canary words after x: a vec4 lane that is not
// masked turns a result NaN. Outputs are canaried. Tolerances:
//   sumSquares, normAndDistance  rtol 1e-5 (f32 sums of positive terms, tree order);
//   stats       min and max exact; mean and std within 1e-5 · max|x| of the segment; its
//               fractions atol 1e-6 (thresholds are powers of two, so counts are exact; one f32
//               division);
//   histogram   exact (values within 1% of a bin of an edge are nudged off it first).
// NaN results must sit exactly where the reference has them.
import { describe, expect, it } from 'vitest';
import { f32, type GpuContext, type Op } from '../../src/gpu/context';
import { empty, Tensor, upload } from '../../src/gpu/tensor';
import {
  CHUNK,
  REDUCE_WG,
  log10Histogram,
  log10HistogramOp,
  normAndDistance,
  normAndDistanceOp,
  statsOp,
  stats,
  sumSquares,
  sumSquaresOp,
  type Segment,
} from '../../src/kernels/reduce';
import { asF32, expectClose, normal, rng, type Tolerance } from '../reference';
import * as ref from '../ref/reduce';
import { canaried, tensor, useGpu } from '../gpu';

const SUM_TOL = { atol: 0, rtol: 1e-5 };
const FRACTION_TOL = { atol: 1e-6, rtol: 0 };
const EXACT = { atol: 0, rtol: 0 };
const BELOW = 0.25;
const ABOVE = 4;
const HIST = { bins: 16, lo: -4, hi: 4 };

/** Segments of the given lengths from element `first` on, with `gap` elements between them. */
function layout(lengths: readonly number[], gap = 3, first = 1): { segments: Segment[]; size: number } {
  const segments: Segment[] = [];
  let at = first;
  for (const length of lengths) {
    segments.push({ offset: at, length });
    at += length + gap;
  }
  return { segments, size: Math.max(1, at) };
}

/** Moves values within 1% of a bin of a histogram edge 2% of a bin up, so f32 and f64 logs agree on the bin. */
function offEdges(x: Float64Array, bins: number, lo: number, hi: number): Float64Array {
  const out = Float64Array.from(x);
  for (let i = 0; i < out.length; i++) {
    for (let tries = 0; tries < 4; tries++) {
      const t = ref.binPosition(out[i], bins, lo, hi);
      if (!Number.isFinite(t) || Math.abs(t - Math.round(t)) > 0.01) break;
      out[i] = asF32([out[i] * 10 ** ((0.02 * (hi - lo)) / bins)])[0];
    }
  }
  return out;
}

/** Data: each segment normal with a power-of-two scale in 2^-8 .. 2^8; NaN between segments. */
function data(seed: number, segments: readonly Segment[], size: number): Float64Array {
  const x = new Float64Array(size).fill(NaN);
  const r = rng(seed);
  segments.forEach(({ offset, length }, s) => {
    const v = normal(seed + s, length, 2 ** Math.round(16 * r() - 8));
    x.set(v, offset);
  });
  return offEdges(asF32(x), HIST.bins, HIST.lo, HIST.hi);
}

/** NaN exactly where the reference has NaN; everything else close. */
function expectSame(got: ArrayLike<number>, want: ArrayLike<number>, tol: Tolerance, what: string): void {
  const nan = (a: ArrayLike<number>) => Array.from(a, (v, i) => (Number.isNaN(v) ? i : -1)).filter((i) => i >= 0);
  expect(nan(got), `${what}: NaN positions`).toEqual(nan(want));
  const keep = Array.from(want, (_, i) => i).filter((i) => !Number.isNaN(want[i]));
  expectClose(keep.map((i) => got[i]), keep.map((i) => want[i]), tol, what);
}

/** stats: min and max exact, mean and std within 1e-5 of the segment's largest finite |x|, fractions against thresholdFractions. */
function expectStats(got: ArrayLike<number>, want: Float64Array, x: Float64Array, segments: readonly Segment[]): void {
  const scales = segments.map(({ offset, length }) => {
    let m = 0;
    for (let i = offset; i < offset + length; i++) if (Number.isFinite(x[i])) m = Math.max(m, Math.abs(x[i]));
    return m || 1;
  });
  // got: 6 per segment (min, max, mean, std, below, above); the reference: 4, and 2 fractions.
  const pick = (a: ArrayLike<number>, stride: number, k: number, scaled: boolean) => scales.map((scale, s) => a[stride * s + k] / (scaled ? scale : 1));
  expectSame(pick(got, 6, 0, false), pick(want, 4, 0, false), EXACT, 'stats min');
  expectSame(pick(got, 6, 1, false), pick(want, 4, 1, false), EXACT, 'stats max');
  expectSame(pick(got, 6, 2, true), pick(want, 4, 2, true), { atol: 1e-5, rtol: 0 }, 'stats mean / max|x|');
  expectSame(pick(got, 6, 3, true), pick(want, 4, 3, true), { atol: 1e-5, rtol: 0 }, 'stats std / max|x|');
  const fractions = ref.thresholdFractions(x, segments, BELOW, ABOVE);
  expectSame(pick(got, 6, 4, false), pick(fractions, 2, 0, false), FRACTION_TOL, 'stats fraction below');
  expectSame(pick(got, 6, 5, false), pick(fractions, 2, 1, false), FRACTION_TOL, 'stats fraction above');
}

/**
 * Runs the four ops on x with canaried outputs and checks them against the references; y for
 * normAndDistance is x/2 + sin(i) (NaN where x is, so unmasked lanes show there too).
 */
async function checkAll(ctx: GpuContext, x: Float64Array, segments: readonly Segment[]): Promise<void> {
  const S = segments.length;
  const y = asF32(x.map((v, i) => v * 0.5 + Math.sin(i)));
  const tx = canaried(ctx, x, undefined, 'f32', 'x');
  const ty = canaried(ctx, y, undefined, 'f32', 'y');
  const nd = canaried(ctx, 2 * S, undefined, 'f32', 'normdist');
  const ss = canaried(ctx, S, undefined, 'f32', 'sumsq');
  const st = canaried(ctx, 6 * S, undefined, 'f32', 'stats');
  const hi = canaried(ctx, S * HIST.bins, undefined, 'u32', 'hist');
  sumSquares(ctx, ss.tensor, tx.tensor, segments);
  normAndDistance(ctx, nd.tensor, tx.tensor, ty.tensor, segments);
  stats(ctx, st.tensor, tx.tensor, segments, BELOW, ABOVE);
  log10Histogram(ctx, hi.tensor, tx.tensor, segments, HIST.bins, HIST.lo, HIST.hi);
  expectSame(await ss.tensor.download(), ref.sumSquares(x, segments), SUM_TOL, 'sumSquares');
  expectSame(await nd.tensor.download(), ref.normAndDistance(x, y, segments), SUM_TOL, 'normAndDistance');
  expectStats(await st.tensor.download(), ref.stats(x, segments), x, segments);
  expectSame(await hi.tensor.download(), ref.log10Histogram(x, segments, HIST.bins, HIST.lo, HIST.hi), EXACT, 'log10Histogram');
  // The histogram with Σx² from its own read, every other segment counted (the diagnostics' log
  // step): Σx² the same bits as sumSquares, the counted rows as the reference's.
  const counted = segments.map((_, s) => s % 2 === 0);
  const kept = segments.filter((_, s) => counted[s]);
  const fusedSq = canaried(ctx, S, undefined, 'f32', 'fused.sumsq');
  const fusedHist = canaried(ctx, kept.length * HIST.bins, undefined, 'u32', 'fused.hist'); // segment 0 is always counted
  const fused = log10HistogramOp(ctx, fusedHist.tensor, tx.tensor, segments, HIST.bins, HIST.lo, HIST.hi, { squares: fusedSq.tensor, counted });
  ctx.submit([fused]);
  fused.dispose();
  const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));
  expect(bits(new Float32Array(await fusedSq.tensor.download())), 'histogram squares: the bits of sumSquares').toEqual(bits(new Float32Array(await ss.tensor.download())));
  expectSame(await fusedHist.tensor.download(), ref.log10Histogram(x, kept, HIST.bins, HIST.lo, HIST.hi), EXACT, 'log10Histogram of the counted segments');
  for (const c of [tx, ty, nd, ss, st, hi, fusedSq, fusedHist]) {
    await c.check();
    c.dispose();
  }
}

function countDispatches(op: Op): number {
  let n = 0;
  const pass = { setPipeline() {}, setBindGroup() {}, dispatchWorkgroups: () => n++ } as unknown as GPUComputePassEncoder;
  op.record(pass);
  return n;
}

const r60 = rng(60);
const SETS: [string, number[]][] = [
  ['lengths 1, 3, 255, 257, 4099', [1, 3, 255, 257, 4099]],
  [`segments across chunk cuts (CHUNK − 3, 5, CHUNK + 1, 2049; CHUNK = ${CHUNK})`, [CHUNK - 3, 5, CHUNK + 1, 2049]],
  ['an empty-ish mix (0, 1, 2, 3 elements)', [0, 1, 0, 2, 3, 0, 1, 2, 0]],
  ['only empty segments (no chunks at all)', [0, 0]],
  ['60 segments of 1..600 elements', Array.from({ length: 60 }, () => 1 + Math.floor(600 * r60()))],
  ['7, 63, 65, 127, 2048, 2049, 9001', [7, 63, 65, 127, 2048, 2049, 9001]],
  // More chunks than a workgroup has invocations, combined in order by one pass-2 invocation.
  [`one segment of ${2 * REDUCE_WG + 1} chunks (${2 * REDUCE_WG * CHUNK + 5} elements)`, [2 * REDUCE_WG * CHUNK + 5]],
];

describe('segment reductions vs float64', () => {
  const gpu = useGpu();

  it.each(SETS)('sumSquares, normAndDistance, stats (with fractions), log10Histogram on %s', async (_, lengths) => {
    const ctx = gpu();
    const { segments, size } = layout(lengths);
    await checkAll(ctx, data(lengths.length, segments, size), segments);
  });

  // Every variant reduceKernel can pick, on this adapter: a context that reports another adapter
  // kind (workgroup of 64 or 8) and hides or keeps the subgroups feature. With subgroups and 64
  // invocations, several subgroups meet in workgroup memory; without, the tree.
  const VARIANTS = [[false, false], [false, true], [true, false], [true, true]] as const;
  /** The real context seen as a software or hardware adapter, with or without subgroups (null: none to hide). */
  const variantContext = (real: GpuContext, software: boolean, subgroups: boolean): GpuContext | null => {
    if (subgroups && !real.gpu.features.has('subgroups')) return null;
    const features = new Set([...real.gpu.features].filter((f) => subgroups || f !== 'subgroups'));
    return Object.create(real, { gpu: { value: { ...real.gpu, features, adapter: { ...real.gpu.adapter, software } } } }) as GpuContext;
  };
  it.each(VARIANTS)('every workgroup variant (software %s, subgroups %s) agrees with float64, NaN and Inf included', async (software, subgroups) => {
    const ctx = variantContext(gpu(), software, subgroups);
    if (!ctx) return; // no subgroups to hide
    const { segments, size } = layout([1, 3, 255, 257, 4099, CHUNK + 9, 0, 61]);
    const x = data(3, segments, size);
    x[segments[2].offset + 7] = NaN;
    x[segments[3].offset + 100] = Infinity;
    x[segments[4].offset] = -Infinity;
    await checkAll(ctx, x, segments);
  });

  // The histogram's counters are 16-bit halves of u32 words until a chunk's last flush: a chunk
  // whose every element lands in one bin (and in each half of one word) holds the largest counts.
  it.each(VARIANTS)('log10Histogram of whole chunks in one bin, two neighbouring bins (software %s, subgroups %s)', async (software, subgroups) => {
    const ctx = variantContext(gpu(), software, subgroups);
    if (!ctx) return;
    const { segments, size } = layout([2 * CHUNK + 3, CHUNK]);
    const x = new Float64Array(size).fill(2); // log10 = 0.3: bin 4 of 8 over [-4, 4)
    x.fill(20, segments[1].offset, segments[1].offset + CHUNK / 2); // log10 = 1.3: bin 5, same word
    const tx = upload(ctx, asF32(x), [size], 'f32', 'x');
    const out = empty(ctx, [2 * 8], 'u32', 'hist');
    log10Histogram(ctx, out, tx, segments, 8, -4, 4);
    expect([...(await out.download())]).toEqual([0, 0, 0, 0, 2 * CHUNK + 3, 0, 0, 0, 0, 0, 0, 0, CHUNK / 2, CHUNK / 2, 0, 0]);
    for (const t of [tx, out]) t.dispose();
  });

  it('NaN and ±Inf propagate: NaN at a segment start, end and chunk cut; Inf; -Inf; both; values on the thresholds', async () => {
    const ctx = gpu();
    const { segments, size } = layout([5, 9, 2 * CHUNK + 7, 6, 11, 13, 1, 300]);
    const x = data(7, segments, size);
    const at = (s: number, i: number, v: number) => (x[segments[s].offset + i] = v);
    at(0, 0, NaN);
    at(1, 8, NaN);
    at(2, CHUNK - segments[2].offset, NaN); // first element of the segment's second chunk
    at(3, 0, Infinity); // in the first invocation: merged as the left operand
    at(4, 5, -Infinity);
    at(5, 0, Infinity);
    at(5, 12, -Infinity);
    at(6, 0, NaN);
    [BELOW, -BELOW, ABOVE, -ABOVE].forEach((v, k) => at(7, 10 + k, v)); // exactly on the thresholds: not counted
    await checkAll(ctx, x, segments);
    const ss = ref.sumSquares(x, segments);
    expect([...ss.slice(0, 7)].map(String)).toEqual(['NaN', 'NaN', 'NaN', 'Infinity', 'Infinity', 'Infinity', 'NaN']);
  });

  it('log10Histogram of values spanning 1e-32..1e32 with zeros, subnormals, ±Inf and NaN; 1, 7, 10, 60 and 256 bins; subnormals in bin 0 even when lo is below them', async () => {
    const ctx = gpu();
    const { segments, size } = layout([1, 3, 255, 257, 4099, 5000]);
    const r = rng(11);
    const x = new Float64Array(size);
    for (let i = 0; i < size; i++) x[i] = (r() < 0.5 ? -1 : 1) * 10 ** (-32 + 64 * r());
    const special = [0, -0, 1e-40, 1e-38, 1e-37, Infinity, -Infinity, NaN, 1e30, 1e-30]; // 1e-40, 1e-38: subnormal in f32
    special.forEach((v, k) => (x[segments[5].offset + 17 * k] = v));
    x[segments[0].offset] = 0;
    for (const [bins, lo, hi] of [[60, -30, 30], [1, -30, 30], [256, -30, 30], [7, -3, 2], [10, -45, -35]]) {
      const xs = offEdges(asF32(x), bins, lo, hi);
      const tx = canaried(ctx, xs, undefined, 'f32', 'x');
      const out = canaried(ctx, segments.length * bins, undefined, 'u32', 'hist');
      log10Histogram(ctx, out.tensor, tx.tensor, segments, bins, lo, hi);
      const want = ref.log10Histogram(xs, segments, bins, lo, hi);
      expectSame(await out.tensor.download(), want, EXACT, `log10Histogram ${bins} bins over [${lo}, ${hi})`);
      expect(want.reduce((a, b) => a + b, 0)).toBe(segments.reduce((a, s) => a + s.length, 0) - 1); // the NaN
      await out.check();
      out.dispose();
      tx.dispose();
    }
  });

  it('the dispatch count does not grow with the segment count (2 per op)', () => {
    const ctx = gpu();
    const x = empty(ctx, [100 * 50], 'f32', 'x');
    for (const S of [1, 100]) {
      const segments = Array.from({ length: S }, (_, s) => ({ offset: s * 50, length: 50 }));
      const outs = [empty(ctx, [S], 'f32', 'ss'), empty(ctx, [6 * S], 'f32', 'st'), empty(ctx, [8 * S], 'u32', 'hi'), empty(ctx, [2 * S], 'f32', 'nd')];
      const ops = [
        sumSquaresOp(ctx, outs[0], x, segments),
        normAndDistanceOp(ctx, outs[3], x, x, segments),
        statsOp(ctx, outs[1], x, segments, 0.1, 10),
        log10HistogramOp(ctx, outs[2], x, segments, 8, -4, 4),
      ];
      expect(ops.map(countDispatches), `${S} segments`).toEqual([2, 2, 2, 2]);
      for (const o of [...ops, ...outs]) o.dispose();
    }
    x.dispose();
  });

  it('70,001 segments of 1..2 elements: both passes of every op fold into 2D grids (70,002 workgroups)', async () => {
    const ctx = gpu();
    const { segments, size } = layout(Array.from({ length: 70_001 }, (_, s) => 1 + (s % 2)), 2, 3);
    expect(ctx.maxWorkgroupsPerDimension).toBeLessThan(segments.length);
    await checkAll(ctx, data(70, segments, size), segments);
  });

  it('is deterministic, can be recorded twice in one pass, and leaks no buffers', async () => {
    const ctx = gpu();
    const { segments, size } = layout([CHUNK * 3 + 1, 777, 5]);
    const x = data(5, segments, size);
    const tx = tensor(ctx, x);
    const out = empty(ctx, [segments.length], 'f32', 'sumsq');
    const live = ctx.pool.counts.inUse;
    sumSquares(ctx, out, tx, segments);
    const first = await out.download();
    const op = sumSquaresOp(ctx, out, tx, segments);
    ctx.submit([op, op]);
    op.dispose();
    expect(ctx.pool.counts.inUse).toBe(live);
    expect(Array.from(await out.download())).toEqual(Array.from(first)); // bit for bit
    expectClose(first, ref.sumSquares(x, segments), SUM_TOL, 'sumSquares');
    out.dispose();
    tx.dispose();
  });

  it('setParams moves the thresholds and the histogram range of built ops', async () => {
    const ctx = gpu();
    const { segments, size } = layout([300, 41]);
    const x = offEdges(data(9, segments, size), 10, -2, 3);
    const tx = tensor(ctx, x);
    const fr = empty(ctx, [6 * segments.length], 'f32', 'stats');
    const hi = empty(ctx, [10 * segments.length], 'u32', 'hist');
    const frOp = statsOp(ctx, fr, tx, segments, BELOW, ABOVE);
    const hiOp = log10HistogramOp(ctx, hi, tx, segments, 10, -4, 4);
    frOp.setParams([f32(0.5), f32(1)]);
    hiOp.setParams([f32(-2), f32(3)]);
    ctx.submit([frOp, hiOp]);
    const got = await fr.download();
    const want = ref.thresholdFractions(x, segments, 0.5, 1);
    expectSame(segments.flatMap((_, s) => [got[6 * s + 4], got[6 * s + 5]]), want, FRACTION_TOL, 'stats fractions after setParams');
    expectSame(await hi.download(), ref.log10Histogram(x, segments, 10, -2, 3), EXACT, 'histogram after setParams');
    expect(() => frOp.setParams([f32(1)])).toThrow(/setParams takes \[f32\(below\), f32\(above\)\]/);
    expect(() => hiOp.setParams([f32(3), f32(-2)])).toThrow(/lo \(3\) must be below hi \(-2\)/);
    const ss = empty(ctx, [segments.length], 'f32', 'sumsq');
    const ssOp = sumSquaresOp(ctx, ss, tx, segments);
    expect(() => ssOp.setParams([f32(1)])).toThrow(/no params/);
    for (const o of [frOp, hiOp, ssOp, fr, hi, ss, tx]) o.dispose();
  });

  it('rejects bad segments, outputs, bins and ranges with the tensor named', () => {
    const ctx = gpu();
    const x = tensor(ctx, new Float64Array(10), [10], 'f32', 'grads');
    const out = empty(ctx, [3], 'f32', 'norms');
    const ints = empty(ctx, [2], 'i32', 'ints');
    const two = [{ offset: 0, length: 4 }, { offset: 4, length: 6 }];
    expect(() => sumSquares(ctx, out, x, [{ offset: 5, length: 6 }])).toThrow(/segment 0 \(offset 5, length 6\) .* inside grads \(10 elements\)/);
    expect(() => sumSquares(ctx, out, x, [{ offset: 1.5, length: 1 }])).toThrow(/segment 0/);
    expect(() => sumSquares(ctx, out, x, [])).toThrow(/no segments/);
    expect(() => sumSquares(ctx, out, x, two)).toThrow(/norms has 3 elements, expected \[2\] \(one per segment\) = 2/);
    expect(() => stats(ctx, out, x, two, 0.1, 1)).toThrow(/norms has 3 elements, expected \[2, 6\]/);
    expect(() => sumSquares(ctx, ints, x, two)).toThrow(/ints is i32, expected f32/);
    expect(() => normAndDistance(ctx, empty(ctx, [4], 'f32', 'nd'), x, empty(ctx, [9], 'f32', 'before'), two)).toThrow(/before has 9 elements, expected \[10\] \(as x\)/);
    expect(() => normAndDistance(ctx, out, x, x, two)).toThrow(/norms has 3 elements, expected \[2, 2\]/);
    expect(() => log10Histogram(ctx, out, x, two, 0, -1, 1)).toThrow(/bins must be an integer in \[1, 256\]/);
    expect(() => log10Histogram(ctx, out, x, two, 257, -1, 1)).toThrow(/bins must be/);
    expect(() => log10Histogram(ctx, empty(ctx, [6], 'f32', 'hf'), x, two, 3, -1, 1)).toThrow(/hf is f32, expected u32/);
    expect(() => stats(ctx, empty(ctx, [12], 'f32', 'f'), x, two, NaN, 1)).toThrow(/below must be a finite number/);
    // x is read in vec4s: a view ending 4 bytes short of a 16-byte boundary at its buffer's end is refused.
    const tight = ctx.device.createBuffer({ label: 'tight', size: 20, usage: GPUBufferUsage.STORAGE });
    const view = Tensor.view(ctx, tight, 0, [5], 'f32', 'tightView');
    expect(() => sumSquares(ctx, empty(ctx, [1], 'f32', 'o'), view, [{ offset: 0, length: 5 }])).toThrow(/tightView is read in vec4s/);
    tight.destroy();
    for (const t of [x, out, ints]) t.dispose();
  });
});
