// Gradient clipping and the step guard (shaders/clip.wgsl), all on the GPU: the scale the
// optimizer reads is computed from Σg² per tensor in a buffer, never read back inside a step.
import clipWgsl from '../../shaders/clip.wgsl?raw';
import { f32, u32, type GpuContext, type Op } from '../gpu/context';
import { kernel, shaderFamily } from '../gpu/shaders';
import { upload, type Tensor } from '../gpu/tensor';

const family = shaderFamily('clip', clipWgsl);
const guardKernel = kernel(family, 'step_guard', { scale: 0, flag: 1, sum_squares: 2, params: 3 }, { WG: 64 });
const applyKernel = kernel(family, 'clip_apply', { grads: 4, apply_scale: 5, params: 6 }, { WG: 64 });

export type StepGuardOp = Op & { setStep(t: number): void; setMaxNorm(maxNorm: number | null): void };

/**
 * scale[0] = min(1, maxNorm/(‖g‖ + 1e-6)) from sumSquares [T] (1 when maxNorm is null), or NaN
 * when any Σg² is not finite; then flag (u32 [4]) records (step, tensor index) the first time and
 * flag[2] holds ‖g‖'s bits. One workgroup, one dispatch.
 */
export function stepGuardOp(ctx: GpuContext, out: { scale: Tensor; flag: Tensor }, sumSquares: Tensor, maxNorm: number | null): StepGuardOp {
  if (out.scale.size !== 1) throw new Error(`stepGuard: ${out.scale.label} must have 1 element`);
  if (out.flag.dtype !== 'u32' || out.flag.size < 3) throw new Error(`stepGuard: ${out.flag.label} must be u32 with at least 3 elements`);
  let step = 1;
  let norm = maxNorm ?? 0;
  const fields = () => [u32(sumSquares.size), u32(step), f32(norm)];
  const op = ctx.op(guardKernel, { scale: out.scale, flag: out.flag, sum_squares: sumSquares }, fields(), [1, 1, 1]);
  return {
    ...op,
    setStep(t) { step = t; op.setParams(fields()); },
    setMaxNorm(c) {
      if (c !== null && !(c > 0 && Number.isFinite(c))) throw new Error(`clip.global_norm: expected a positive number, got ${c}`);
      norm = c ?? 0;
      op.setParams(fields());
    },
  };
}

/** The clip scale alone (PyTorch clip_grad_norm_'s factor): stepGuardOp with a private flag. */
export function clipScaleOp(ctx: GpuContext, scale: Tensor, sumSquares: Tensor, maxNorm: number): StepGuardOp {
  const flag = upload(ctx, [0, 0, 0, 0], [4], 'u32', 'clip.flag');
  const op = stepGuardOp(ctx, { scale, flag }, sumSquares, maxNorm);
  return { ...op, dispose: () => { op.dispose(); flag.dispose(); } };
}

/** grads = clamp(scale·grads, ±clipValue) in place (clipValue 0: scale only). */
export function clipApplyOp(ctx: GpuContext, grads: Tensor, scale: Tensor, clipValue = 0): Op {
  return ctx.op(applyKernel, { grads, apply_scale: scale }, [u32(grads.size), f32(clipValue)], grads.size);
}

/** grads = clamp(grads, ±c) in place. */
export function clipValueOp(ctx: GpuContext, grads: Tensor, c: number): Op {
  const one = upload(ctx, [1], [1], 'f32', 'clip.one');
  const op = clipApplyOp(ctx, grads, one, c);
  return { ...op, dispose: () => { op.dispose(); one.dispose(); } };
}
