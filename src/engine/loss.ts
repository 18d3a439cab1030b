// The loss a spec names, as an op, and classification accuracy from read-back logits.
import type { GpuContext, Op } from '../gpu/context';
import type { Tensor } from '../gpu/tensor';
import { bceWithLogitsOp, mseOp, softmaxCrossEntropyOp } from '../kernels/losses';
import type { Loss } from './spec';

export function lossOp(ctx: GpuContext, loss: Loss, out: Tensor, dOut: Tensor, logits: Tensor, targets: Tensor): Op {
  if (loss === 'cross_entropy') return softmaxCrossEntropyOp(ctx, { loss: out, dlogits: dOut }, logits, targets);
  if (loss === 'mse') return mseOp(ctx, { loss: out, dpred: dOut }, logits, targets);
  return bceWithLogitsOp(ctx, { loss: out, dlogits: dOut }, logits, targets);
}

/** Fraction of rows `indices` whose prediction matches `labels`; null for regression. */
export function accuracyOf(logits: Float32Array, outputs: number, indices: Uint32Array, labels: Int32Array, classes: number): number | null {
  if (classes === 0) return null;
  let correct = 0;
  for (let r = 0; r < indices.length; r++) {
    const row = logits.subarray(r * outputs, (r + 1) * outputs);
    let pred = 0;
    if (outputs === 1) pred = row[0] > 0 ? 1 : 0;
    else for (let c = 1; c < outputs; c++) if (row[c] > row[pred]) pred = c;
    if (pred === labels[indices[r]]) correct++;
  }
  return correct / indices.length;
}
