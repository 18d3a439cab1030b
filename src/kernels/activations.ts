// Elementwise activations (shaders/activations.wgsl over the activation_fns.wgsl library): one
// pipeline per function, picked by the ACT override constant.
import activationsWgsl from '../../shaders/activations.wgsl?raw';
import activationFnsWgsl from '../../shaders/activation_fns.wgsl?raw';
import { u32, type GpuContext, type Op, runOnce } from '../gpu/context';
import { kernel, shaderFamily, withConstants } from '../gpu/shaders';
import type { Tensor } from '../gpu/tensor';
import { ACTIVATIONS, type Activation } from './activation_ids';

const family = shaderFamily('activations', activationsWgsl, [activationFnsWgsl]);
export const activationForwardKernel = kernel(family, 'activation_forward', { out: 0, x: 2, params: 3 });
export const activationBackwardKernel = kernel(family, 'activation_backward', { out: 0, dy: 1, x: 2, params: 3 });

function check(op: string, out: Tensor, ...inputs: Tensor[]): number {
  for (const t of [out, ...inputs]) {
    if (t.dtype !== 'f32') throw new Error(`${op}: ${t.label} is ${t.dtype}, expected f32`);
    if (t.size !== out.size) throw new Error(`${op}: ${t.label} has ${t.size} elements, expected ${out.size} (the size of ${out.label})`);
  }
  // No in-place variant: a binding cannot be read and read_write in one dispatch.
  for (const t of inputs) if (t.buffer === out.buffer) throw new Error(`${op}: output ${out.label} may not share a buffer with input ${t.label}`);
  return out.size;
}

function actId(fn: Activation): number {
  if (!Object.hasOwn(ACTIVATIONS, fn)) throw new Error(`unknown activation "${fn}" (known: ${Object.keys(ACTIVATIONS).join(', ')})`);
  return ACTIVATIONS[fn];
}

/** y = act(x) */
export function activationOp(ctx: GpuContext, y: Tensor, x: Tensor, fn: Activation): Op {
  const n = check(`activation(${fn})`, y, x);
  const k = withConstants(activationForwardKernel, { ACT: actId(fn) });
  return ctx.op(k, { out: y, x }, [u32(n)], n, `activations.${fn}_forward`);
}

/**
 * dx = dy ⊙ act'(x)   (=). `y` (the forward output) is checked but not read: the derivatives
 * are computed from x, which stays accurate where y·(1 − y) or 1 − y² would round to 0.
 */
export function activationBackwardOp(ctx: GpuContext, dx: Tensor, dy: Tensor, x: Tensor, y: Tensor, fn: Activation): Op {
  const n = check(`activationBackward(${fn})`, dx, dy, x, y);
  const k = withConstants(activationBackwardKernel, { ACT: actId(fn) });
  return ctx.op(k, { out: dx, dy, x }, [u32(n)], n, `activations.${fn}_backward`);
}


/** Eager forms of activationOp and activationBackwardOp. */
export const activation = (ctx: GpuContext, y: Tensor, x: Tensor, fn: Activation) => runOnce(ctx, activationOp(ctx, y, x, fn));
export const activationBackward = (ctx: GpuContext, dx: Tensor, dy: Tensor, x: Tensor, y: Tensor, fn: Activation) =>
  runOnce(ctx, activationBackwardOp(ctx, dx, dy, x, y, fn));
