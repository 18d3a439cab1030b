// Per-layer diagnostics computed on the GPU into one buffer, copied out through the trainer's
// readback ring on log steps: gradient and weight norms per parameter tensor, update-to-weight
// ratios, activation statistics and saturation per layer, log10|gradient| histograms, the loss
// and the batch logits. Every reduction covers all layers in one dispatch (segments); layer
// outputs are read in place, in the graph's arenas.
import type { GpuContext, Op } from '../gpu/context';
import { Tensor, zeros } from '../gpu/tensor';
import { deadUnitsOp } from '../kernels/dead_units';
import { log10HistogramOp, statsOp, sumSquaresOp, type Segment } from '../kernels/reduce';
import type { Graph } from './graph';
import { alignUp, type ModelInfo } from './model';

export const HISTOGRAM = { bins: 48, lo: -12, hi: 4 }; // log10|g| from 1e-12 to 1e4

export interface LayerStats {
  name: string;
  type: string;
  mean: number;
  std: number;
  min: number;
  max: number;
  /** sigmoid/tanh: fraction of outputs within 0.01 of a bound. */
  saturated: number | null;
  /** relu: fraction of units that are zero for the whole batch. */
  dead: number | null;
}

export interface StepRecord {
  step: number;
  loss: number;
  /** Accuracy on the step's training batch (classification). */
  accuracy: number | null;
  params: { name: string; gradNorm: number; weightNorm: number; updateRatio: number }[];
  globalGradNorm: number;
  layers: LayerStats[];
  /** Counts per weight tensor: histograms[i][bin] over HISTOGRAM's range. */
  histograms: { name: string; counts: Uint32Array }[];
  nonFinite: { step: number; where: string } | null;
  /** The step's output logits [batch, outputs] (accuracy and decision plots use them). */
  logits: Float32Array;
  /**
   * Per recurrent layer (PyTorch prefix, e.g. "layers.0"): norms[t] = ‖∂L/∂h_t‖ over the batch
   * (Frobenius norm of the [batch, units] gradient at step t, output and recurrence paths both),
   * t = 0 … T−1: the vanishing-through-time curve (a plain array: JSON writes it as one). Empty
   * for models without recurrent layers. Written to metrics.jsonl by the command line as is.
   */
  hiddenGradNorms: { name: string; norms: number[] }[];
}

export interface Diagnostics {
  buffer: GPUBuffer;
  bytes: number;
  views: { loss: Tensor; flag: Tensor<'u32'>; gradSq: Tensor };
  /** The clip/guard scale the optimizer reads (NaN: skip the update). */
  scale: Tensor;
  /** Where the optimizer's log-step update writes ‖θ‖² and ‖Δθ‖² per parameter tensor (withNorms). */
  updateNorms: { out: Tensor; segments: Segment[] };
  /** Σg² per parameter tensor: runs every step (clipping and the non-finite guard need it). */
  gradSq: Op;
  /**
   * gradSq on a log step (Updater.record runs it in gradSq's place): the same Σg² bits, and the
   * weights' gradient histograms from the same read of the gradients.
   */
  gradSqWithHistograms: Op;
  beforeUpdate(encoder: GPUCommandEncoder): void;
  afterUpdate(encoder: GPUCommandEncoder): void;
  parse(data: ArrayBuffer, step: number): StepRecord;
  dispose(): void;
}

interface TrainerParts {
  ctx: GpuContext;
  model: ModelInfo;
  graph: Graph;
  params: Tensor;
  grads: Tensor;
}

export function buildDiagnostics(t: TrainerParts): Diagnostics {
  const { ctx, model, graph } = t;
  const T = model.params.length;
  const nodes = graph.nodes;
  const B = graph.batch;
  const C = model.output;
  const weights = model.params.filter((p) => p.role === 'weight');

  // Layer outputs are read where they are: each is a view into one of the graph's arenas; the
  // layers of one arena are one op's segments, and their rows one field of the buffer.
  const fnOf = (i: number) => { const s = nodes[i].layer.spec; return s.type === 'activation' ? s.fn : null; };
  const arenaOf = (i: number) => {
    const a = graph.arenas.findIndex((t) => t.buffer === nodes[i].output.buffer);
    if (a < 0) throw new Error(`internal error: the output of ${nodes[i].layer.prefix} is not in an arena`);
    return a;
  };
  const segmentIn = (i: number, a: number): Segment => ({ offset: (nodes[i].output.offset - graph.arenas[a].offset) / 4, length: nodes[i].output.size });
  const byArena = graph.arenas.map((_, a) => nodes.flatMap((_, i) => (arenaOf(i) === a ? [i] : [])));
  // Dead units are counted for ReLU layers only; saturation comes with every layer's statistics
  // (the same read) and is reported for sigmoid and tanh layers.
  const reluByArena = byArena.map((list) => list.filter((i) => fnOf(i) === 'relu'));

  // Layout of the diagnostics buffer, each field 256-byte aligned so it can be bound as a view.
  let words = 0;
  const field = (n: number) => { const at = words; words += alignUp(n); return at; };
  const at = {
    loss: field(1), flag: field(4), gradSq: field(T), weightUpdateSq: field(2 * T),
    stats: byArena.map((list) => field(6 * list.length)), dead: reluByArena.map((list) => field(list.length)), hist: field(weights.length * HISTOGRAM.bins), logits: field(B * C),
    hidden: graph.recurrent.map((r) => field(r.time)),
  };
  const bytes = words * 4;
  const buffer = ctx.device.createBuffer({ label: 'diagnostics', size: bytes, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  const view = <D extends 'f32' | 'u32'>(offset: number, n: number, dtype: D, label: string) => Tensor.view(ctx, buffer, offset * 4, [n], dtype, `diagnostics.${label}`);
  // Σg² is written every step and read by the guard, which writes the flag into this buffer: a
  // dispatch may not read and write one buffer, so Σg² has its own and is copied in on log steps.
  const gradSqOut = zeros(ctx, [alignUp(T)], 'f32', 'diagnostics.gradSq');
  const views = { loss: view(at.loss, 1, 'f32', 'loss'), flag: view(at.flag, 4, 'u32', 'flag'), gradSq: Tensor.view(ctx, gradSqOut.buffer, 0, [T], 'f32', 'gradSq') };
  const scale = zeros(ctx, [1], 'f32', 'grad.scale');

  const paramSegs: Segment[] = model.params.map((p) => ({ offset: p.offset, length: p.size }));
  // ‖w‖² and ‖w − w_before‖² (the update just applied) per tensor: the optimizer's log-step update.
  const updateNorms = { out: view(at.weightUpdateSq, 2 * T, 'f32', 'weightUpdateSq'), segments: paramSegs };

  const gradSq = sumSquaresOp(ctx, views.gradSq, t.grads, paramSegs);
  const after: Op[] = [];
  // Where node i's rows are: its stats at statsAt[i], a ReLU node's dead count at deadAt[i].
  const statsAt: number[] = [];
  const deadAt: number[] = [];
  byArena.forEach((list, a) => {
    list.forEach((i, k) => (statsAt[i] = at.stats[a] + 6 * k));
    reluByArena[a].forEach((i, k) => (deadAt[i] = at.dead[a] + k));
    const arena = graph.arenas[a];
    if (list.length) after.push(statsOp(ctx, view(at.stats[a], 6 * list.length, 'f32', `stats.${a}`), arena, list.map((i) => segmentIn(i, a)), 0.01, 0.99));
    const relu = reluByArena[a];
    if (relu.length) after.push(deadUnitsOp(ctx, view(at.dead[a], relu.length, 'u32', `dead.${a}`), arena, relu.map((i) => ({ offset: segmentIn(i, a).offset, rows: B, width: nodes[i].layer.outWidth }))));
  });
  // ‖∂L/∂h_t‖²: dh is time-major, so step t is one contiguous segment of batch·units values.
  graph.recurrent.forEach((r, i) => {
    const segs = Array.from({ length: r.time }, (_, t) => ({ offset: t * B * r.units, length: B * r.units }));
    after.push(sumSquaresOp(ctx, view(at.hidden[i], r.time, 'f32', `${r.name}.dh_sq`), r.dh, segs));
  });
  // One read of the gradients for Σg² and the histograms (lavapipe, 50×64 net: ~0.4 ms a log step less).
  const gradSqWithHistograms = weights.length
    ? log10HistogramOp(ctx, view(at.hist, weights.length * HISTOGRAM.bins, 'u32', 'hist'), t.grads, paramSegs, HISTOGRAM.bins, HISTOGRAM.lo, HISTOGRAM.hi, { squares: views.gradSq, counted: model.params.map((p) => p.role === 'weight') })
    : gradSq;

  return {
    buffer, bytes, views, scale, gradSq, gradSqWithHistograms, updateNorms,
    beforeUpdate(encoder) {
      encoder.copyBufferToBuffer(graph.output.buffer, graph.output.offset, buffer, at.logits * 4, B * C * 4);
      encoder.copyBufferToBuffer(gradSqOut.buffer, 0, buffer, at.gradSq * 4, T * 4);
    },
    afterUpdate(encoder) {
      const pass = encoder.beginComputePass({ label: 'diagnostics' });
      for (const op of after) op.record(pass);
      pass.end();
    },
    parse(data, step) {
      const f = new Float32Array(data);
      const u = new Uint32Array(data);
      const params = model.params.map((p, i) => {
        const g = Math.sqrt(f[at.gradSq + i]);
        const w = Math.sqrt(f[at.weightUpdateSq + 2 * i]);
        return { name: p.name, gradNorm: g, weightNorm: w, updateRatio: Math.sqrt(f[at.weightUpdateSq + 2 * i + 1]) / (w || 1) };
      });
      const layers: LayerStats[] = nodes.map((n, i) => {
        const [min, max, mean, std, below, above] = f.subarray(statsAt[i], statsAt[i] + 6);
        const fn = fnOf(i);
        const saturated = fn === 'tanh' ? above : fn === 'sigmoid' ? below + above : null;
        const dead = fn === 'relu' ? u[deadAt[i]] / n.layer.outWidth : null;
        return { name: n.layer.prefix, type: fn ?? n.layer.spec.type, mean, std, min, max, saturated, dead };
      });
      // Where a non-finite value appeared: the first layer (forward order) whose output is not
      // finite, else the parameter nearest the output whose gradient is not (the guard's index).
      const flagStep = u[at.flag];
      const badLayer = layers.find((l) => !Number.isFinite(l.mean) || !Number.isFinite(l.std));
      const nonFinite = flagStep
        ? { step: flagStep, where: badLayer ? `output of ${badLayer.name} (${badLayer.type})` : `gradient of ${model.params[u[at.flag + 1]]?.name ?? 'a parameter'}` }
        : null;
      return {
        step, loss: f[at.loss], accuracy: null, params,
        globalGradNorm: Math.sqrt(params.reduce((a, p) => a + p.gradNorm * p.gradNorm, 0)),
        layers,
        histograms: weights.map((p, i) => ({ name: p.name, counts: u.slice(at.hist + i * HISTOGRAM.bins, at.hist + (i + 1) * HISTOGRAM.bins) })),
        nonFinite,
        logits: f.slice(at.logits, at.logits + B * C),
        hiddenGradNorms: graph.recurrent.map((r, i) => ({ name: r.name, norms: Array.from(f.subarray(at.hidden[i], at.hidden[i] + r.time), Math.sqrt) })),
      };
    },
    dispose() {
      for (const o of new Set([gradSq, gradSqWithHistograms, ...after])) o.dispose();
      for (const x of [scale, gradSqOut]) x.dispose();
      buffer.destroy();
    },
  };
}
