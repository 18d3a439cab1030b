// Per-segment reductions of a flat f32 buffer for diagnostics (shaders/reduce.wgsl,
// shaders/reduce_count.wgsl, shaders/reduce_segments.wgsl). A segment is one tensor's element
// range in the flat parameter, gradient or activation buffer. Each op records two dispatches
// whatever the number of segments: per-chunk partials, then one combine per segment, in a fixed
// order (no float atomics: the same bits on every run). The chunk and segment tables are built
// here once per op and live in its own storage buffers until dispose().
import reduceWgsl from '../../shaders/reduce.wgsl?raw';
import reduceCountWgsl from '../../shaders/reduce_count.wgsl?raw';
import reduceSegmentsWgsl from '../../shaders/reduce_segments.wgsl?raw';
import reduceSumSquaresWgsl from '../../shaders/reduce_sum_squares.wgsl?raw';
import reduceNormsWgsl from '../../shaders/reduce_norms.wgsl?raw';
import reduceWorkgroupWgsl from '../../shaders/reduce_workgroup.wgsl?raw';
import reduceWorkgroupSubgroupsWgsl from '../../shaders/reduce_workgroup_subgroups.wgsl?raw';
import { f32, packParams, u32, type Bindable, type GpuContext, type Op, type ParamField } from '../gpu/context';
import { foldGrid, type Grid } from '../gpu/dispatch';
import { kernel, shaderFamily, withConstants, type Kernel, type ShaderFamily } from '../gpu/shaders';
import { empty, type Tensor } from '../gpu/tensor';

export interface Segment {
  /** First element, within the flat tensor. */
  offset: number;
  /** Element count (0 is allowed: see each op for what an empty segment gives). */
  length: number;
}

/** Invocations per workgroup of every reduce kernel on a hardware GPU (the WG override). */
export const REDUCE_WG = 64;
/**
 * On a CPU implementation (lavapipe, SwiftShader) a workgroup of 8: one SIMD vector, so barriers
 * (coroutine switches there) and the tree go; measured on lavapipe, Σx² over 101 segments of
 * 4,096: 1.48 ms with 64 invocations and a tree, 0.62 ms with 8, 0.37 ms with 8 and subgroupAdd.
 */
export const REDUCE_WG_SOFTWARE = 8;
/**
 * Elements per chunk (one workgroup of pass 1): 64 invocations × 64 vec4 loads each. Measured on
 * lavapipe (sum of squares of 4M elements in 100 segments): 256 × 4 vec4 took 39 ms, 64 × 16
 * 12 ms, 64 × 64 4.5 ms (a workgroup's tree reduction and barriers cost more there than its
 * loads). A discrete GPU may prefer more, smaller chunks: this is the knob. The histogram's
 * 16-bit counters hold CHUNK / WG elements per invocation: CHUNK stays below 2^16.
 */
export const CHUNK = REDUCE_WG * 4 * 64;
/** Most bins log10Histogram takes (its workgroup histogram is MAX_BINS u32 atomics). */
export const MAX_BINS = 256;

const WG = { WG: REDUCE_WG };
// The kernels are declared on the portable family; reduceKernel swaps in the subgroup one.
const subgroupFamilies: Record<string, ShaderFamily> = {};
/**
 * A family of kernels built on the segment reductions' libraries (chunk tables, workgroup sums),
 * with its subgroup twin registered for reduceKernel. `libraries` come before them.
 */
export function reductionFamily(name: string, source: string, libraries: readonly string[] = []): ShaderFamily {
  const sub = shaderFamily(`${name}+subgroups`, source, [...libraries, reduceSegmentsWgsl, reduceWorkgroupSubgroupsWgsl]);
  subgroupFamilies[name] = { name: sub.name, code: `enable subgroups;\n${sub.code}` }; // the directive must open the module
  return shaderFamily(name, source, [...libraries, reduceSegmentsWgsl, reduceWorkgroupWgsl]);
}
const reduce = reductionFamily('reduce', reduceWgsl, [reduceSumSquaresWgsl, reduceNormsWgsl]);
const reduceCount = reductionFamily('reduce_count', reduceCountWgsl, [reduceSumSquaresWgsl]);

export const sumSquaresChunksKernel = kernel(reduce, 'sum_squares_chunks', { partial: 1, x: 2, chunks: 4, params: 6 }, WG);
export const sumSquaresSegmentsKernel = kernel(reduce, 'sum_squares_segments', { out: 0, partialIn: 3, segs: 5, params: 6 }, WG);
export const normAndDistanceChunksKernel = kernel(reduce, 'norm_and_distance_chunks', { partial: 1, x: 2, chunks: 4, params: 6, y: 7 }, WG);
export const normAndDistanceSegmentsKernel = kernel(reduce, 'norm_and_distance_segments', { out: 0, partialIn: 3, segs: 5, params: 6 }, WG);
export const statsChunksKernel = kernel(reduce, 'stats_chunks', { partial: 1, x: 2, chunks: 4, params: 6 }, WG);
export const statsSegmentsKernel = kernel(reduce, 'stats_segments', { out: 0, partialIn: 3, segs: 5, params: 6 }, WG);
// The Σx² bindings are bound with or without SUM_SQ (log10HistogramOp's `squares`): WGSL counts a
// binding as used whatever an override makes of the code that reads it.
export const histogramChunksKernel = kernel(reduceCount, 'log10_histogram_chunks', { partial: 2, x: 3, chunks: 5, segs: 6, params: 7, partialSq: 8 }, WG);
export const histogramSegmentsKernel = kernel(reduceCount, 'log10_histogram_segments', { squares: 0, hist: 1, partialIn: 4, segs: 6, params: 7, partialSqIn: 9 }, WG);

/**
 * A reduce kernel as this adapter runs it: the subgroup family where the device has `subgroups`
 * (SG: its subgroup size when fixed, so a workgroup of one subgroup skips workgroup memory), the
 * workgroup size by adapter kind. Results agree to f32 rounding across variants, and are the same
 * bits from run to run on one adapter.
 */
export function reduceKernel<B extends string>(ctx: GpuContext, k: Kernel<B>): Kernel<B> {
  const wg = ctx.gpu.adapter.software ? REDUCE_WG_SOFTWARE : REDUCE_WG;
  if (!ctx.gpu.features.has('subgroups')) return withConstants(k, { WG: wg });
  const info = ctx.device.adapterInfo as GPUAdapterInfo & { subgroupMinSize?: number; subgroupMaxSize?: number };
  const sg = info?.subgroupMinSize && info.subgroupMinSize === info.subgroupMaxSize ? info.subgroupMinSize : 0;
  return kernel(subgroupFamilies[k.family.name], k.entry, { ...k.bindings }, { ...k.constants, WG: wg, SG: sg });
}

/** The chunk and segment tables (4 u32 per row; layout in shaders/reduce_segments.wgsl). */
export interface SegmentTables {
  /** (start, end, segment, 0) per chunk, in elements. */
  chunks: Uint32Array;
  /** (first chunk, chunk count, length, row) per segment (row: the histogram's output row, else 0). */
  segs: Uint32Array;
  chunkCount: number;
}

/** No histogram row for a segment (reduce_count.wgsl NO_ROW). */
const NO_ROW = 0xffffffff;

/**
 * Cuts every segment at multiples of CHUNK (of the element index in x, so cuts are vec4-aligned);
 * `rows[s]` goes into segment s's fourth word.
 */
export function segmentTables(op: string, x: Tensor, segments: readonly Segment[], rows?: readonly number[]): SegmentTables {
  if (segments.length === 0) throw new Error(`${op}: no segments given`);
  const chunks: number[] = [];
  const segs: number[] = [];
  segments.forEach(({ offset, length }, s) => {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > x.size) {
      throw new Error(`${op}: segment ${s} (offset ${offset}, length ${length}) is not a range of whole elements inside ${x.label} (${x.size} elements)`);
    }
    const first = chunks.length / 4;
    for (let start = offset, end = offset + length; start < end; ) {
      const stop = Math.min(end, (Math.floor(start / CHUNK) + 1) * CHUNK);
      chunks.push(start, stop, s, 0);
      start = stop;
    }
    segs.push(first, chunks.length / 4 - first, length, rows?.[s] ?? 0);
  });
  return { chunks: Uint32Array.from(chunks), segs: Uint32Array.from(segs), chunkCount: chunks.length / 4 };
}

function checkTensor(op: string, t: Tensor, dtype: 'f32' | 'u32', size: number, shape: string): void {
  if (t.dtype !== dtype) throw new Error(`${op}: ${t.label} is ${t.dtype}, expected ${dtype}`);
  if (t.size !== size) throw new Error(`${op}: ${t.label} has ${t.size} elements, expected ${shape} = ${size}`);
}

function checkFinite(op: string, values: Record<string, number>): void {
  for (const [name, v] of Object.entries(values)) if (!Number.isFinite(v)) throw new Error(`${op}: ${name} must be a finite number, got ${v}`);
}

// x is read as vec4f, so its binding runs on to the next 16-byte boundary (those lanes are masked).
function vec4Binding(op: string, x: Tensor): GPUBufferBinding {
  const size = Math.ceil(x.byteLength / 16) * 16;
  if (x.offset + size > x.buffer.size) {
    throw new Error(
      `${op}: ${x.label} is read in vec4s, so its buffer "${x.buffer.label}" (${x.buffer.size} bytes) must extend to byte ${x.offset + size}; ` +
        'pooled buffers do: pad flat buffers to a multiple of 4 elements',
    );
  }
  return { buffer: x.buffer, offset: x.offset, size };
}

interface SegmentOpSpec {
  label: string;
  x: Tensor;
  tables: SegmentTables;
  /** u32/f32 words of partial results per chunk. */
  partialWords: number;
  /** Pass 1, bindings { partial, x, chunks, params } (segs if it reads them) and `inputs`: one workgroup per chunk. */
  chunks: Kernel;
  /** Further inputs of pass 1, read like x (as vec4s over the same elements). */
  inputs?: Record<string, Tensor>;
  /** Pass 2, bindings { <output>, partialIn, segs, params }, on `grid`. */
  segments: Kernel;
  output: Record<string, Tensor>;
  grid: Grid;
  params: readonly ParamField[];
  /** Maps the values a caller passes to setParams to the whole params uniform (null: none). */
  setParams: ((fields: readonly ParamField[]) => readonly ParamField[]) | null;
}

/** A pooled storage buffer of at least 16 bytes (`data` written into it) as a binding of its first max(16, bytes). */
function pooledBinding(ctx: GpuContext, label: string, bytes: number, data: Uint32Array | null): GPUBufferBinding {
  const size = Math.max(16, bytes);
  const buffer = ctx.pool.storage(size, label);
  if (data) ctx.device.queue.writeBuffer(buffer, 0, data);
  return { buffer, offset: 0, size };
}

/** An Op recording both passes of a segment reduction; owns its tables, partials and uniform. */
function segmentOp(ctx: GpuContext, spec: SegmentOpSpec): Op {
  const { label, tables } = spec;
  const x = vec4Binding(label, spec.x); // may throw: before anything is allocated
  const inputs = Object.fromEntries(Object.entries(spec.inputs ?? {}).map(([name, t]) => [name, vec4Binding(label, t)]));
  const storage = (data: Uint32Array | null, bytes: number, what: string) => pooledBinding(ctx, `${label}.${what}`, bytes, data);
  const chunkTable = storage(tables.chunks, tables.chunks.byteLength, 'chunks');
  const segTable = storage(tables.segs, tables.segs.byteLength, 'segs');
  const partial = storage(null, tables.chunkCount * spec.partialWords * 4, 'partial');
  // A second partial, one f32 per chunk, for pass 1 kernels that bind one (the histogram's Σx²).
  const partialSq = 'partialSq' in spec.chunks.bindings ? storage(null, tables.chunkCount * 4, 'partialSq') : null;
  let uniform: GPUBuffer | null = ctx.uniform(spec.params, `${label}.params`);
  const passes: [Kernel, Record<string, Bindable>, Grid][] = [
    [reduceKernel(ctx, spec.chunks), { partial, x, chunks: chunkTable, segs: segTable, ...inputs, ...(partialSq ? { partialSq } : {}) }, foldGrid(Math.max(1, tables.chunkCount), ctx.maxWorkgroupsPerDimension)],
    [reduceKernel(ctx, spec.segments), { ...spec.output, partialIn: partial, segs: segTable, ...(partialSq ? { partialSqIn: partialSq } : {}) }, spec.grid],
  ];
  const steps = passes.map(([k, buffers, grid]) => ({
    pipeline: ctx.pipeline(k),
    group: ctx.bind(k, { ...buffers, params: uniform! }, `${label}.${k.entry}`),
    grid,
  }));
  return {
    label,
    record(pass) {
      for (const { pipeline, group, grid } of steps) {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(grid[0], grid[1], grid[2]);
      }
    },
    setParams(fields) {
      if (!spec.setParams) throw new Error(`${label}: has no params to set`);
      if (!uniform) throw new Error(`${label}: already disposed`);
      ctx.device.queue.writeBuffer(uniform, 0, packParams(spec.setParams(fields)));
    },
    dispose() {
      if (!uniform) return;
      for (const b of [chunkTable, segTable, partial, partialSq]) if (b) ctx.pool.release(b.buffer);
      ctx.pool.release(uniform);
      uniform = null;
    },
  };
}

function run(ctx: GpuContext, op: Op): void {
  ctx.submit([op]);
  op.dispose(); // safe at once: later writes to the pooled buffers queue after this submit
}

/** One invocation per segment (pass 2 sums a segment's few chunk partials in order). */
const perSegment = (ctx: GpuContext, segments: readonly Segment[]): Grid => ctx.grid(reduceKernel(ctx, sumSquaresSegmentsKernel), segments.length);

/** out[s] = Σ x[i]² over segment s (0 for an empty one; NaN if it holds a NaN). out: f32 [segments.length] */
export function sumSquaresOp(ctx: GpuContext, out: Tensor, x: Tensor, segments: readonly Segment[]): Op {
  const op = 'sumSquares';
  checkTensor(op, x, 'f32', x.size, `[${x.size}]`);
  const tables = segmentTables(op, x, segments);
  checkTensor(op, out, 'f32', segments.length, `[${segments.length}] (one per segment)`);
  return segmentOp(ctx, {
    label: `${op}(${x.label})`, x, tables, partialWords: 1,
    chunks: sumSquaresChunksKernel, segments: sumSquaresSegmentsKernel, output: { out }, grid: perSegment(ctx, segments),
    params: [u32(tables.chunkCount), u32(segments.length)], setParams: null,
  });
}

export function sumSquares(ctx: GpuContext, out: Tensor, x: Tensor, segments: readonly Segment[]): void {
  run(ctx, sumSquaresOp(ctx, out, x, segments));
}

/**
 * out[2s] = Σ x², out[2s+1] = Σ (x − y)² over segment s, in one read of x and y: a tensor's squared
 * norm and its squared distance from y (0, 0 for an empty segment; NaN and Inf as in sumSquares).
 * y: f32, the same size as x. out: f32 [segments.length, 2]
 */
export function normAndDistanceOp(ctx: GpuContext, out: Tensor, x: Tensor, y: Tensor, segments: readonly Segment[]): Op {
  const op = 'normAndDistance';
  checkTensor(op, x, 'f32', x.size, `[${x.size}]`);
  checkTensor(op, y, 'f32', x.size, `[${x.size}] (as x)`);
  const tables = segmentTables(op, x, segments);
  checkTensor(op, out, 'f32', 2 * segments.length, `[${segments.length}, 2] (norm², distance² per segment)`);
  return segmentOp(ctx, {
    label: `${op}(${x.label}, ${y.label})`, x, inputs: { y }, tables, partialWords: 2,
    chunks: normAndDistanceChunksKernel, segments: normAndDistanceSegmentsKernel, output: { out }, grid: perSegment(ctx, segments),
    params: [u32(tables.chunkCount), u32(segments.length)], setParams: null,
  });
}

/**
 * normAndDistance's two passes with pass 1 in another kernel (the optimizer's update_with_norms,
 * shaders/optimizer_norms.wgsl): the chunk table (binding `chunks`, one vec4u per chunk: its
 * arrayLength is the chunk count) and the partials (2 per chunk) that pass 1 binds, its grid, and
 * pass 2 into out (f32 [segments.length, 2]).
 */
export function normAndDistancePartials(ctx: GpuContext, out: Tensor, x: Tensor, segments: readonly Segment[], label: string): { chunks: GPUBufferBinding; partial: GPUBufferBinding; grid: Grid; segmentsPass: Op; dispose(): void } {
  const op = 'normAndDistance';
  const tables = segmentTables(op, x, segments);
  checkTensor(op, out, 'f32', 2 * segments.length, `[${segments.length}, 2] (norm², distance² per segment)`);
  // The chunk table's binding is exactly its rows (16 bytes each): arrayLength counts the chunks.
  if (tables.chunkCount === 0) throw new Error(`${op}: every segment is empty`);
  const chunks = pooledBinding(ctx, `${label}.chunks`, tables.chunks.byteLength, tables.chunks);
  const segs = pooledBinding(ctx, `${label}.segs`, tables.segs.byteLength, tables.segs);
  const partial = pooledBinding(ctx, `${label}.partial`, tables.chunkCount * 2 * 4, null);
  const segmentsPass = ctx.op(reduceKernel(ctx, normAndDistanceSegmentsKernel), { out, partialIn: partial, segs }, [u32(tables.chunkCount), u32(segments.length)], perSegment(ctx, segments), `${label}.segments`);
  return {
    chunks, partial, segmentsPass,
    grid: foldGrid(tables.chunkCount, ctx.maxWorkgroupsPerDimension),
    dispose() {
      segmentsPass.dispose();
      for (const b of [chunks, segs, partial]) ctx.pool.release(b.buffer);
    },
  };
}

export function normAndDistance(ctx: GpuContext, out: Tensor, x: Tensor, y: Tensor, segments: readonly Segment[]): void {
  run(ctx, normAndDistanceOp(ctx, out, x, y, segments));
}

/**
 * out[6s .. 6s+5] = min, max, mean, std (population), the fraction of |x| < below and the fraction
 * of |x| > above over segment s, in one read (a layer's activation statistics and saturation).
 * All six NaN for an empty segment or one holding a NaN; an Inf gives that Inf as min or max and
 * mean, a NaN std, and counts as above. out: f32 [segments.length, 6].
 * setParams([f32(below), f32(above)]) changes the thresholds of the built op.
 */
export function statsOp(ctx: GpuContext, out: Tensor, x: Tensor, segments: readonly Segment[], below: number, above: number): Op {
  const op = 'stats';
  checkTensor(op, x, 'f32', x.size, `[${x.size}]`);
  const tables = segmentTables(op, x, segments);
  checkTensor(op, out, 'f32', 6 * segments.length, `[${segments.length}, 6] (min, max, mean, std, below, above per segment)`);
  const params = (below: number, above: number) => {
    checkFinite(op, { below, above });
    return [u32(tables.chunkCount), u32(segments.length), f32(below), f32(above)];
  };
  return segmentOp(ctx, {
    label: `${op}(${x.label})`, x, tables, partialWords: 7,
    chunks: statsChunksKernel, segments: statsSegmentsKernel, output: { out }, grid: perSegment(ctx, segments),
    params: params(below, above), setParams: (fields) => params(...userValues(op, fields, ['below', 'above'])),
  });
}

export function stats(ctx: GpuContext, out: Tensor, x: Tensor, segments: readonly Segment[], below: number, above: number): void {
  run(ctx, statsOp(ctx, out, x, segments, below, above));
}

export interface HistogramOptions {
  /**
   * f32 [segments.length]: also squares[s] = Σ x² over every segment, the same bits as
   * sumSquaresOp, from the histogram's own read of x (the diagnostics' Σg² on a log step: one
   * read of the gradients instead of two).
   */
  squares?: Tensor;
  /** Which segments get a histogram (out: one row per counted segment, in order); default all. */
  counted?: readonly boolean[];
}

/**
 * out[s, b] = count of elements of segment s whose log10|x| falls in bin b of `bins` equal bins
 * over [lo, hi); below lo (zeros and subnormals too) in bin 0, at hi and above (Inf too) in the
 * last. NaN is counted in no bin, so a segment's counts then sum to less than its length.
 * out: u32 [counted segments, bins]. setParams([f32(lo), f32(hi)]) moves the range of the built op.
 */
export function log10HistogramOp(ctx: GpuContext, out: Tensor, x: Tensor, segments: readonly Segment[], bins: number, lo: number, hi: number, options: HistogramOptions = {}): Op {
  const op = 'log10Histogram';
  const { squares, counted = segments.map(() => true) } = options;
  checkTensor(op, x, 'f32', x.size, `[${x.size}]`);
  if (!Number.isInteger(bins) || bins < 1 || bins > MAX_BINS) throw new Error(`${op}: bins must be an integer in [1, ${MAX_BINS}], got ${bins}`);
  if (counted.length !== segments.length) throw new Error(`${op}: counted has ${counted.length} entries, expected one per segment (${segments.length})`);
  let n = 0;
  const rows = counted.map((c) => (c ? n++ : NO_ROW));
  const tables = segmentTables(op, x, segments, rows);
  checkTensor(op, out, 'u32', bins * n, `[${n}, ${bins}] (counted segments × bins)`);
  if (squares) checkTensor(op, squares, 'f32', segments.length, `[${segments.length}] (Σx² per segment)`);
  const noSquares = squares ? null : empty(ctx, [4], 'f32', `${op}.nosquares`);
  const params = (lo: number, hi: number) => {
    checkFinite(op, { lo, hi });
    if (!(lo < hi)) throw new Error(`${op}: lo (${lo}) must be below hi (${hi})`);
    // t = (log10|x| − lo)·bins/(hi − lo) = log2|x|·log_scale − log_offset
    const perDecade = bins / (hi - lo);
    return [u32(tables.chunkCount), u32(segments.length), u32(bins), f32(perDecade / Math.log2(10)), f32(lo * perDecade)];
  };
  const build = () => segmentOp(ctx, {
    label: `${op}(${x.label})`, x, tables, partialWords: bins,
    chunks: withConstants(histogramChunksKernel, { SUM_SQ: +!!squares }),
    segments: withConstants(histogramSegmentsKernel, { SUM_SQ: +!!squares }),
    output: { hist: out, squares: squares ?? noSquares! },
    grid: ctx.grid(reduceKernel(ctx, histogramSegmentsKernel), segments.length * bins),
    params: params(lo, hi), setParams: (fields) => params(...userValues(op, fields, ['lo', 'hi'])),
  });
  if (!noSquares) return build();
  try {
    const o = build();
    return { ...o, dispose() { o.dispose(); noSquares.dispose(); } };
  } catch (e) {
    noSquares.dispose();
    throw e;
  }
}

export function log10Histogram(ctx: GpuContext, out: Tensor, x: Tensor, segments: readonly Segment[], bins: number, lo: number, hi: number): void {
  run(ctx, log10HistogramOp(ctx, out, x, segments, bins, lo, hi));
}

function userValues(op: string, fields: readonly ParamField[], names: [string, string]): [number, number] {
  if (fields.length !== 2 || fields.some((f) => f.type !== 'f32')) throw new Error(`${op}: setParams takes [f32(${names[0]}), f32(${names[1]})]`);
  return [fields[0].value, fields[1].value];
}
