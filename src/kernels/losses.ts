// Losses fused with their gradients (shaders/losses.wgsl). Each op is two dispatches recorded
// back to back: per-row (or per-workgroup) partial sums plus the gradient, then a fixed-order sum
// in one workgroup, so the loss is bitwise reproducible on a device. The scratch buffer between
// them belongs to the op and goes back to the pool in dispose().
import lossesWgsl from '../../shaders/losses.wgsl?raw';
import activationFnsWgsl from '../../shaders/activation_fns.wgsl?raw';
import { f32, u32, type GpuContext, type Op, type ParamField, runOnce } from '../gpu/context';
import { foldGrid } from '../gpu/dispatch';
import { kernel, shaderFamily, withConstants } from '../gpu/shaders';
import type { Tensor } from '../gpu/tensor';

const family = shaderFamily('losses', lossesWgsl, [activationFnsWgsl]);
const xentRowsKernel = kernel(family, 'softmax_xent_rows', { grad: 0, partial: 1, x: 4, labels: 6, params: 8 });
const xentRowPerInvocationKernel = kernel(family, 'softmax_xent_row_per_invocation', { grad: 0, partial: 1, x: 4, labels: 6, params: 8 }, { WG: 64 });
/** Up to this many classes a cross-entropy row is one invocation's loop, past it a workgroup's. */
export const ROW_PER_INVOCATION_CLASSES = 32;
const msePartialsKernel = kernel(family, 'mse_partials', { grad: 0, partial: 1, x: 4, targets: 5, params: 8 });
const bcePartialsKernel = kernel(family, 'bce_logits_partials', { grad: 0, partial: 1, x: 4, targets: 5, params: 8 });
const finalizeKernel = kernel(family, 'loss_finalize', { loss: 2, partial_in: 7, params: 8 });
const correctFinalizeKernel = kernel(family, 'loss_correct_finalize', { loss: 2, correct: 3, partial_in: 7, params: 8 });

/** Threads per cross-entropy row: the classes rounded up to a power of two, in [32, 256]. */
export function rowWorkgroupSize(classes: number): number {
  return Math.min(256, Math.max(32, 2 ** Math.ceil(Math.log2(classes))));
}

const shape = (t: Tensor) => `[${t.shape.join(', ')}]`;

function checkTensor(op: string, t: Tensor, dtype: Tensor['dtype'], dims: readonly number[]): void {
  const want = `[${dims.join(', ')}]`;
  const size = dims.reduce((a, b) => a * b, 1);
  if (t.dtype !== dtype) throw new Error(`${op}: ${t.label} is ${t.dtype}, expected ${dtype}`);
  if (t.size !== size) throw new Error(`${op}: ${t.label} has shape ${shape(t)}, expected ${want}`);
}

// A binding cannot be read and read_write in one dispatch: outputs share no buffer with inputs.
function noAliasing(op: string, outputs: Tensor[], inputs: Tensor[]): void {
  for (const o of outputs) for (const i of inputs) if (o.buffer === i.buffer) throw new Error(`${op}: output ${o.label} may not share a buffer with input ${i.label}`);
}

/** Pass 1 then pass 2 as one Op; sizes are fixed when it is built (the GAN losses use it too). */
export function twoPass(ctx: GpuContext, label: string, scratch: GPUBuffer, passes: (scratch: GPUBuffer) => [Op, Op]): Op {
  let ops: [Op, Op] | null = passes(scratch);
  return {
    label,
    record: (pass) => {
      if (!ops) throw new Error(`${label}: recorded after dispose`);
      ops[0].record(pass);
      ops[1].record(pass);
    },
    setParams: () => {
      throw new Error(`${label}: sizes are fixed when the op is built; build a new op`);
    },
    dispose: () => {
      if (!ops) return;
      ops[0].dispose();
      ops[1].dispose();
      ctx.pool.release(scratch);
      ops = null;
    },
  };
}

const params = (n: number, classes: number, partials: number, gradScale: number, meanScale: number): ParamField[] => [
  u32(n), u32(classes), u32(partials), f32(gradScale), f32(meanScale),
];

/**
 * Softmax cross-entropy over rows of logits [B, C] with integer labels [B]:
 *   loss[0] = mean_b (logsumexp(logits_b) − logits_b[label_b]),
 *   dlogits = (softmax(logits) − onehot(label)) / B   (=),
 *   correct[0] (optional, u32) = #{b : argmax_c logits_bc == label_b}, first index on ties.
 * Stable for any finite logits (the row max is subtracted). A label outside [0, C) is never
 * used as an index: its row makes loss[0] NaN and its dlogits row NaN, for the engine's
 * non-finite check to catch.
 */
export function softmaxCrossEntropyOp(
  ctx: GpuContext,
  out: { loss: Tensor; dlogits: Tensor; correct?: Tensor },
  logits: Tensor,
  labels: Tensor,
): Op {
  const op = 'softmaxCrossEntropy';
  if (logits.shape.length !== 2) throw new Error(`${op}: ${logits.label} has shape ${shape(logits)}, expected [B, C]`);
  const [B, C] = logits.shape;
  checkTensor(op, logits, 'f32', [B, C]);
  checkTensor(op, labels, 'i32', [B]);
  checkTensor(op, out.loss, 'f32', [1]);
  checkTensor(op, out.dlogits, 'f32', [B, C]);
  if (out.correct) checkTensor(op, out.correct, 'u32', [1]);
  const outputs = [out.loss, out.dlogits, ...(out.correct ? [out.correct] : [])];
  noAliasing(op, outputs, [logits, labels]);
  const label = `losses.softmax_xent(${B}x${C})`;
  const p = params(B, C, B, 1 / B, 1 / B);
  const perInvocation = C <= ROW_PER_INVOCATION_CLASSES;
  const rows = perInvocation ? xentRowPerInvocationKernel : withConstants(xentRowsKernel, { WG: rowWorkgroupSize(C) });
  const grid = perInvocation ? ctx.grid(rows, B) : foldGrid(B, ctx.maxWorkgroupsPerDimension);
  return twoPass(ctx, label, ctx.pool.storage(2 * B * 4, `${label}.scratch`), (scratch) => [
    ctx.op(rows, { grad: out.dlogits, partial: scratch, x: logits, labels }, p, grid, `${label}.rows`),
    out.correct
      ? ctx.op(correctFinalizeKernel, { loss: out.loss, correct: out.correct, partial_in: scratch }, p, [1, 1, 1], `${label}.finalize`)
      : ctx.op(finalizeKernel, { loss: out.loss, partial_in: scratch }, p, [1, 1, 1], `${label}.finalize`),
  ]);
}

function elementwiseLoss(ctx: GpuContext, name: string, k: typeof msePartialsKernel, grad: Tensor, loss: Tensor, x: Tensor, target: Tensor, gradScale: number): Op {
  const dims = x.shape;
  for (const t of [target, grad]) checkTensor(name, t, 'f32', dims);
  checkTensor(name, x, 'f32', dims);
  checkTensor(name, loss, 'f32', [1]);
  noAliasing(name, [grad, loss], [x, target]);
  const n = x.size;
  const partials = Math.ceil(n / k.workgroupSize);
  const label = `losses.${name}(${n})`;
  const p = params(n, 0, partials, gradScale / n, 1 / n);
  return twoPass(ctx, label, ctx.pool.storage(partials * 4, `${label}.scratch`), (scratch) => [
    ctx.op(k, { grad, partial: scratch, x, targets: target }, p, foldGrid(partials, ctx.maxWorkgroupsPerDimension), `${label}.partials`),
    ctx.op(finalizeKernel, { loss, partial_in: scratch }, p, [1, 1, 1], `${label}.finalize`),
  ]);
}

/** loss[0] = mean over all elements of (pred − target)²,  dpred = 2(pred − target)/numel   (=) */
export function mseOp(ctx: GpuContext, out: { loss: Tensor; dpred: Tensor }, pred: Tensor, target: Tensor): Op {
  return elementwiseLoss(ctx, 'mse', msePartialsKernel, out.dpred, out.loss, pred, target, 2);
}

/**
 * Binary cross-entropy on logits x with targets t in [0, 1]:
 *   loss[0] = mean of max(x, 0) − x·t + log1p(exp(−|x|)),  dlogits = (σ(x) − t)/numel   (=)
 */
export function bceWithLogitsOp(ctx: GpuContext, out: { loss: Tensor; dlogits: Tensor }, logits: Tensor, target: Tensor): Op {
  return elementwiseLoss(ctx, 'bce_with_logits', bcePartialsKernel, out.dlogits, out.loss, logits, target, 1);
}


/** Eager forms of the three losses. */
export const softmaxCrossEntropy = (ctx: GpuContext, out: { loss: Tensor; dlogits: Tensor; correct?: Tensor }, logits: Tensor, labels: Tensor) =>
  runOnce(ctx, softmaxCrossEntropyOp(ctx, out, logits, labels));
export const mse = (ctx: GpuContext, out: { loss: Tensor; dpred: Tensor }, pred: Tensor, target: Tensor) => runOnce(ctx, mseOp(ctx, out, pred, target));
export const bceWithLogits = (ctx: GpuContext, out: { loss: Tensor; dlogits: Tensor }, logits: Tensor, target: Tensor) =>
  runOnce(ctx, bceWithLogitsOp(ctx, out, logits, target));
