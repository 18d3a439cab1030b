// Weight normalisation of a dense layer (shaders/weight_norm.wgsl), as PyTorch's
// torch.nn.utils.weight_norm(linear, dim=0): w = g·v/‖v‖ per output row, v [out, in], g [out, 1].
// The forward materialises w, so the layer's matmul and its fused bias/activation epilogue run
// unchanged. The alternative, y = (x·vᵀ)⊙s + b with s = g/‖v‖, saves only w's write (out·in
// values, at most 1/batch of the matmul's work) but needs a second scaled copy of dy (dx = (dy⊙s)·v)
// or a scaled load in every matmul variant: one more dispatch per layer, on a software adapter
// where dispatches, not bytes, are the cost.
import weightNormWgsl from '../../shaders/weight_norm.wgsl?raw';
import { u32, type GpuContext, type Op } from '../gpu/context';
import { foldGrid, type Grid } from '../gpu/dispatch';
import { kernel, shaderFamily, withConstants, type Kernel } from '../gpu/shaders';
import type { Tensor } from '../gpu/tensor';

const family = shaderFamily('weight_norm', weightNormWgsl);
const forwardKernel = kernel(family, 'weight_norm_forward', { w: 0, norm: 1, v: 4, g: 5, params: 8 }, { WG: 64 });
const backwardKernel = kernel(family, 'weight_norm_backward', { dg: 2, dv: 3, v: 4, g: 5, dw: 6, norm_in: 7, params: 8 }, { WG: 64 });

/** Rows of up to this many columns are summed by one invocation, longer ones by a workgroup. */
export const ROW_PER_INVOCATION_COLS = 256;

function launch<B extends string>(ctx: GpuContext, k: Kernel<B>, rows: number, cols: number): [Kernel<B>, Grid] {
  if (cols > ROW_PER_INVOCATION_COLS) return [k, foldGrid(rows, ctx.maxWorkgroupsPerDimension)];
  const perRow = withConstants(k, { ROW_PER_INVOCATION: 1 });
  return [perRow, ctx.grid(perRow, rows)];
}

function check(t: Tensor, n: number, what: string): void {
  if (t.size !== n || t.dtype !== 'f32') throw new Error(`weight_norm: ${what} ${t.label} must be f32 with ${n} elements, got ${t.dtype} [${t.shape}]`);
}

function dims(v: Tensor): [number, number] {
  if (v.shape.length !== 2 || v.dtype !== 'f32') throw new Error(`weight_norm: v ${v.label} must be f32 [out, in], got ${v.dtype} [${v.shape}]`);
  return [v.shape[0], v.shape[1]];
}

/** w = g·v/‖v‖ per row, norm = ‖v‖ per row (saved for the backward)   (=) */
export function weightNormForwardOp(ctx: GpuContext, out: { w: Tensor; norm: Tensor }, v: Tensor, g: Tensor): Op {
  const [rows, cols] = dims(v);
  check(out.w, rows * cols, 'w');
  check(out.norm, rows, 'norm');
  check(g, rows, 'g');
  const [k, grid] = launch(ctx, forwardKernel, rows, cols);
  const op = ctx.op(k, { ...out, v, g }, [u32(rows), u32(cols)], grid, 'weight_norm.forward');
  return { ...op, cost: { flops: 3 * rows * cols, bytes: 4 * (2 * rows * cols + 2 * rows) } };
}

/** dg = (dW·v)/‖v‖, dv = g/‖v‖·(dW − dg·v/‖v‖) per row, from dW = ∂L/∂w   (=) */
export function weightNormBackwardOp(ctx: GpuContext, grads: { dg: Tensor; dv: Tensor }, dw: Tensor, v: Tensor, g: Tensor, norm: Tensor): Op {
  const [rows, cols] = dims(v);
  check(grads.dv, rows * cols, 'dv');
  check(dw, rows * cols, 'dw');
  for (const [t, what] of [[grads.dg, 'dg'], [g, 'g'], [norm, 'norm']] as const) check(t, rows, what);
  const [k, grid] = launch(ctx, backwardKernel, rows, cols);
  const op = ctx.op(k, { ...grads, dw, v, g, norm_in: norm }, [u32(rows), u32(cols)], grid, 'weight_norm.backward');
  return { ...op, cost: { flops: 6 * rows * cols, bytes: 4 * (3 * rows * cols + 3 * rows) } };
}
