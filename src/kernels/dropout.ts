// Inverted dropout (shaders/dropout.wgsl): the keep mask is a hash of (seed, index), so backward
// recomputes it; a new seed per step goes in through setSeed.
import dropoutWgsl from '../../shaders/dropout.wgsl?raw';
import { f32, u32, type GpuContext, type Op } from '../gpu/context';
import { kernel, shaderFamily } from '../gpu/shaders';
import type { Tensor } from '../gpu/tensor';

const family = shaderFamily('dropout', dropoutWgsl);
const forwardKernel = kernel(family, 'dropout_forward', { out: 0, inp: 1, params: 2 });
const backwardKernel = kernel(family, 'dropout_backward', { out: 0, inp: 1, params: 2 });

export type DropoutOp = Op & { setSeed(seed: number): void };

function dropoutOp(ctx: GpuContext, backward: boolean, out: Tensor, inp: Tensor, p: number, seed: number): DropoutOp {
  if (out.size !== inp.size) throw new Error(`dropout: ${out.label} has ${out.size} elements, ${inp.label} has ${inp.size}`);
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  const n = out.size;
  const op = ctx.op(backward ? backwardKernel : forwardKernel, { out, inp }, [u32(n), u32(seed), f32(p)], n);
  return { ...op, setSeed: (s) => op.setParams([u32(n), u32(s >>> 0), f32(p)]) };
}

/** y = x · keep / (1 - p), keep ~ Bernoulli(1 - p) from hash(seed, i) */
export const dropoutForwardOp = (ctx: GpuContext, y: Tensor, x: Tensor, p: number, seed: number) => dropoutOp(ctx, false, y, x, p, seed);
/** dx = dy · keep / (1 - p) with the same seed as the forward pass (=) */
export const dropoutBackwardOp = (ctx: GpuContext, dx: Tensor, dy: Tensor, p: number, seed: number) => dropoutOp(ctx, true, dx, dy, p, seed);
