// Matrix products for dense layers (shaders/matmul.wgsl): C = op(A)·op(B) with transposes read in
// place, and a fused epilogue (bias, activation, preactivation store). chooseMatmulVariant is the
// one place a kernel variant is picked from the shape.
import matmulWgsl from '../../shaders/matmul.wgsl?raw';
import activationFnsWgsl from '../../shaders/activation_fns.wgsl?raw';
import { u32, type GpuContext, type Op } from '../gpu/context';
import { kernel, shaderFamily, withConstants } from '../gpu/shaders';
import { empty, type Tensor } from '../gpu/tensor';
import { ACTIVATIONS, type Activation } from './activation_ids';

const family = shaderFamily('matmul', matmulWgsl, [activationFnsWgsl]);
const MATMUL_BINDINGS = { out: 0, pre: 1, a: 2, b: 3, bias: 4, params: 5 };
const variants = {
  tiled64x64: { kernel: kernel(family, 'matmul_tiled', MATMUL_BINDINGS), tile: [64, 64] },
  direct32x32: { kernel: kernel(family, 'matmul_direct', MATMUL_BINDINGS), tile: [32, 32] },
} as const;
export type MatmulVariant = keyof typeof variants;
const biasGradKernel = kernel(family, 'bias_grad', { db: 6, dc: 7, params: 8 });

export interface MatmulOptions {
  /** use Aᵀ: a is stored [K, M] */
  transA?: boolean;
  /** use Bᵀ: b is stored [N, K] */
  transB?: boolean;
  /** [N], added in the store */
  bias?: Tensor;
  /** applied in the store, after the bias */
  activation?: Activation;
  /** [M, N]: also store z = A·B + bias (the activation's backward needs it) */
  preactivation?: Tensor;
  /** Force a kernel variant (tests and benchmarks); by default chooseMatmulVariant picks. */
  variant?: MatmulVariant;
}

export type MatmulOp = Op & { variant: string };

/**
 * The kernel variant for a shape and adapter. Software adapters (lavapipe, SwiftShader): always
 * the direct kernel (measured 2-3x faster than the tiled one at every shape from 32×10×256 to
 * 1024³ on lavapipe). GPUs: the tiled kernel where its 64×64 tiles fill many workgroups; small
 * outputs (batch 1-128 training shapes) go to the direct kernel, which launches more of them.
 */
export function chooseMatmulVariant(M: number, N: number, _K: number, _transA: boolean, _transB: boolean, software = false): MatmulVariant {
  return !software && M * N >= 512 * 512 ? 'tiled64x64' : 'direct32x32';
}

function dims(t: Tensor, what: string): [number, number] {
  if (t.shape.length !== 2) throw new Error(`matmul: ${what} ${t.label} must be 2-D, got shape [${t.shape}]`);
  if (t.dtype !== 'f32') throw new Error(`matmul: ${what} ${t.label} is ${t.dtype}, expected f32`);
  return [t.shape[0], t.shape[1]];
}

/** out[M, N] = act(op(a)·op(b) + bias)   (=) */
export function matmulOp(ctx: GpuContext, out: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): MatmulOp {
  const { transA = false, transB = false, bias, activation = 'identity', preactivation } = options;
  const [a0, a1] = dims(a, 'A');
  const [b0, b1] = dims(b, 'B');
  const [M, K] = transA ? [a1, a0] : [a0, a1];
  const [Kb, N] = transB ? [b1, b0] : [b0, b1];
  if (K !== Kb) throw new Error(`matmul: inner dimensions differ: ${a.label} gives K=${K}, ${b.label} gives K=${Kb}`);
  const [o0, o1] = dims(out, 'output');
  if (o0 !== M || o1 !== N) throw new Error(`matmul: output ${out.label} has shape [${out.shape}], expected [${M}, ${N}]`);
  if (bias && (bias.size !== N || bias.dtype !== 'f32')) throw new Error(`matmul: bias ${bias.label} must be f32 [${N}], got ${bias.dtype} [${bias.shape}]`);
  if (preactivation && (preactivation.shape[0] !== M || preactivation.shape[1] !== N)) {
    throw new Error(`matmul: preactivation ${preactivation.label} must be [${M}, ${N}], got [${preactivation.shape}]`);
  }
  for (const t of [a, b, bias]) {
    if (t && (t.buffer === out.buffer || t.buffer === preactivation?.buffer)) throw new Error(`matmul: output may not share a buffer with input ${t.label}`);
  }
  // Unused bindings still need a buffer (WGSL counts them as used): small scratch ones.
  const scratch: Tensor[] = [];
  const dummy = (label: string) => { const t = empty(ctx, [1], 'f32', label); scratch.push(t); return t; };
  const variant = options.variant ?? chooseMatmulVariant(M, N, K, transA, transB, ctx.gpu.adapter.software);
  const { kernel: base, tile } = variants[variant];
  const k = withConstants(base, { TRANS_A: +transA, TRANS_B: +transB, HAS_BIAS: +!!bias, HAS_PRE: +!!preactivation, ACT: ACTIVATIONS[activation] });
  const grid: [number, number, number] = [Math.ceil(N / tile[1]), Math.ceil(M / tile[0]), 1];
  const op = ctx.op(k, { out, pre: preactivation ?? dummy('matmul.nopre'), a, b, bias: bias ?? dummy('matmul.nobias') }, [u32(M), u32(N), u32(K)], grid, `matmul${transA ? '.tA' : ''}${transB ? '.tB' : ''}`);
  return {
    ...op,
    cost: { flops: 2 * M * N * K, bytes: 4 * (M * K + K * N + M * N) },
    variant,
    dispose() {
      op.dispose();
      for (const t of scratch) t.dispose();
    },
  };
}

const runOnce = (ctx: GpuContext, op: Op) => {
  ctx.submit([op]);
  op.dispose();
};

export const matmul = (ctx: GpuContext, out: Tensor, a: Tensor, b: Tensor, options?: MatmulOptions) => runOnce(ctx, matmulOp(ctx, out, a, b, options));
/** dA = dC·Bᵀ */
export const matmulGradAOp = (ctx: GpuContext, dA: Tensor, dC: Tensor, b: Tensor) => matmulOp(ctx, dA, dC, b, { transB: true });
export const matmulGradA = (ctx: GpuContext, dA: Tensor, dC: Tensor, b: Tensor) => runOnce(ctx, matmulGradAOp(ctx, dA, dC, b));
/** dB = Aᵀ·dC */
export const matmulGradBOp = (ctx: GpuContext, dB: Tensor, a: Tensor, dC: Tensor) => matmulOp(ctx, dB, a, dC, { transA: true });
export const matmulGradB = (ctx: GpuContext, dB: Tensor, a: Tensor, dC: Tensor) => runOnce(ctx, matmulGradBOp(ctx, dB, a, dC));

/** db[N] = Σ_m dC[m, n]   (=) */
export function biasGradOp(ctx: GpuContext, db: Tensor, dC: Tensor): Op {
  const [M, N] = dims(dC, 'dC');
  if (db.size !== N) throw new Error(`biasGrad: ${db.label} has ${db.size} elements, expected ${N}`);
  return ctx.op(biasGradKernel, { db, dc: dC }, [u32(M), u32(N), u32(0)], [Math.ceil(N / 64), 1, 1]);
}
export const biasGrad = (ctx: GpuContext, db: Tensor, dC: Tensor) => runOnce(ctx, biasGradOp(ctx, db, dC));
