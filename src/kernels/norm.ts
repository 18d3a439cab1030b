// Batch norm and layer norm (shaders/norm.wgsl), forward and backward, like torch.nn.BatchNorm1d
// and torch.nn.LayerNorm (eps 1e-5, batch norm momentum 0.1). x: [rows, features].
import normWgsl from '../../shaders/norm.wgsl?raw';
import { f32, sequenceOp, u32, type GpuContext, type Op } from '../gpu/context';
import { foldGrid, type Grid } from '../gpu/dispatch';
import { kernel, shaderFamily, type Kernel } from '../gpu/shaders';
import type { Tensor } from '../gpu/tensor';

const family = shaderFamily('norm', normWgsl);
const WG = { WG: 64 };
const bnForward = kernel(family, 'batchnorm_forward', { y: 0, mean: 1, rstd: 2, running_mean: 3, running_var: 4, x: 5, gamma: 6, beta: 7, params: 8 }, WG);
const bnEval = kernel(family, 'batchnorm_eval', { y: 0, running_mean: 3, running_var: 4, x: 5, gamma: 6, beta: 7, params: 8 }, WG);
const bnBackward = kernel(family, 'batchnorm_backward', { mean: 1, rstd: 2, x: 5, gamma: 6, params: 8, dx: 9, dgamma: 10, dbeta: 11, dy: 12 }, WG);
const bnForwardColumns = kernel(family, 'batchnorm_forward', bnForward.bindings, { ...WG, COLUMN_PER_INVOCATION: 1 });
const bnBackwardColumns = kernel(family, 'batchnorm_backward', bnBackward.bindings, { ...WG, COLUMN_PER_INVOCATION: 1 });
/** Batches of up to this many rows normalise each column in one invocation, larger ones in a workgroup. */
export const COLUMN_PER_INVOCATION_ROWS = 256;
/** Batch norm's kernel and grid for `rows` × `cols`: one invocation or one workgroup per column. */
function byColumn<B extends string>(ctx: GpuContext, rows: number, cols: number, perInvocation: Kernel<B>, perWorkgroup: Kernel<B>): [Kernel<B>, Grid] {
  return rows <= COLUMN_PER_INVOCATION_ROWS ? [perInvocation, ctx.grid(perInvocation, cols)] : [perWorkgroup, foldGrid(cols, ctx.maxWorkgroupsPerDimension)];
}
const lnForward = kernel(family, 'layernorm_forward', { y: 0, mean: 1, rstd: 2, x: 5, gamma: 6, beta: 7, params: 8 }, WG);
const lnBackward = kernel(family, 'layernorm_backward', { mean: 1, rstd: 2, x: 5, gamma: 6, params: 8, dx: 9, dy: 12 }, WG);
const lnParamGrads = kernel(family, 'layernorm_param_grads', { mean: 1, rstd: 2, x: 5, params: 8, dgamma: 10, dbeta: 11, dy: 12 }, WG);

function shape(x: Tensor): [number, number] {
  if (x.shape.length !== 2 || x.dtype !== 'f32') throw new Error(`norm: ${x.label} must be f32 [rows, features], got ${x.dtype} [${x.shape}]`);
  return [x.shape[0], x.shape[1]];
}

function expect(t: Tensor, n: number, what: string): void {
  if (t.size !== n || t.dtype !== 'f32') throw new Error(`norm: ${what} ${t.label} must be f32 with ${n} elements, got ${t.dtype} [${t.shape}]`);
}

export interface BatchNormOptions { training: boolean; momentum?: number; eps?: number }

/** Training: batch statistics, saved mean/rstd, running stats updated. Eval: running statistics. */
export function batchNormForwardOp(
  ctx: GpuContext, out: { y: Tensor; mean: Tensor; rstd: Tensor }, x: Tensor, gamma: Tensor, beta: Tensor,
  running: { mean: Tensor; var: Tensor }, options: BatchNormOptions,
): Op {
  const [rows, cols] = shape(x);
  expect(out.y, rows * cols, 'y');
  for (const [t, w] of [[gamma, 'gamma'], [beta, 'beta'], [running.mean, 'running_mean'], [running.var, 'running_var']] as const) expect(t, cols, w);
  const params = [u32(rows), u32(cols), f32(options.eps ?? 1e-5), f32(options.momentum ?? 0.1)];
  const common = { y: out.y, running_mean: running.mean, running_var: running.var, x, gamma, beta };
  if (!options.training) return ctx.op(bnEval, common, params, rows * cols);
  expect(out.mean, cols, 'mean');
  expect(out.rstd, cols, 'rstd');
  const [k, grid] = byColumn(ctx, rows, cols, bnForwardColumns, bnForward);
  return ctx.op(k, { ...common, mean: out.mean, rstd: out.rstd }, params, grid);
}

/** dx, dγ, dβ of training-mode batch norm from the saved mean and rstd (all =). */
export function batchNormBackwardOp(
  ctx: GpuContext, grads: { dx: Tensor; dgamma: Tensor; dbeta: Tensor }, dy: Tensor, x: Tensor, gamma: Tensor, saved: { mean: Tensor; rstd: Tensor },
): Op {
  const [rows, cols] = shape(x);
  expect(dy, rows * cols, 'dy');
  expect(grads.dx, rows * cols, 'dx');
  for (const [t, w] of [[grads.dgamma, 'dgamma'], [grads.dbeta, 'dbeta'], [gamma, 'gamma'], [saved.mean, 'mean'], [saved.rstd, 'rstd']] as const) expect(t, cols, w);
  const [k, grid] = byColumn(ctx, rows, cols, bnBackwardColumns, bnBackward);
  return ctx.op(k, { ...grads, dy, x, gamma, ...saved }, [u32(rows), u32(cols), f32(0), f32(0)], grid);
}

export function layerNormForwardOp(ctx: GpuContext, out: { y: Tensor; mean: Tensor; rstd: Tensor }, x: Tensor, gamma: Tensor, beta: Tensor, options: { eps?: number } = {}): Op {
  const [rows, cols] = shape(x);
  expect(out.y, rows * cols, 'y');
  expect(out.mean, rows, 'mean');
  expect(out.rstd, rows, 'rstd');
  expect(gamma, cols, 'gamma');
  expect(beta, cols, 'beta');
  return ctx.op(lnForward, { ...out, x, gamma, beta }, [u32(rows), u32(cols), f32(options.eps ?? 1e-5), f32(0)], foldGrid(rows, ctx.maxWorkgroupsPerDimension));
}

/** dx (per row) then dγ, dβ (per feature, over rows): two dispatches, all =. */
export function layerNormBackwardOp(
  ctx: GpuContext, grads: { dx: Tensor; dgamma: Tensor; dbeta: Tensor }, dy: Tensor, x: Tensor, gamma: Tensor, saved: { mean: Tensor; rstd: Tensor },
): Op {
  const [rows, cols] = shape(x);
  expect(dy, rows * cols, 'dy');
  expect(grads.dx, rows * cols, 'dx');
  for (const [t, w] of [[grads.dgamma, 'dgamma'], [grads.dbeta, 'dbeta'], [gamma, 'gamma']] as const) expect(t, cols, w);
  expect(saved.mean, rows, 'mean');
  expect(saved.rstd, rows, 'rstd');
  const params = [u32(rows), u32(cols), f32(0), f32(0)];
  return sequenceOp('norm.layernorm_backward', [
    ctx.op(lnBackward, { dx: grads.dx, dy, x, gamma, ...saved }, params, foldGrid(rows, ctx.maxWorkgroupsPerDimension)),
    ctx.op(lnParamGrads, { dgamma: grads.dgamma, dbeta: grads.dbeta, dy, x, ...saved }, params, foldGrid(cols, ctx.maxWorkgroupsPerDimension)),
  ]);
}
