// Matrix products for dense layers: C = op(A)·op(B) with transposes read in place and a fused
// epilogue (bias, activation, preactivation store; for dW = dYᵀ·X also db = Σ_rows dY from the
// same loads); shaders/matmul.wgsl (scalar loads, any shape),
// shaders/matmul_vec4.wgsl (vec4 loads for dW = dYᵀ·X), shaders/matmul_subgroups.wgsl and
// matmul_subgroups_vec4.wgsl (CPU adapters with subgroups of 8), shaders/matmul_lanes4.wgsl (of 4: SwiftShader), shaders/matmul_common.wgsl (epilogue),
// shaders/matmul_out.wgsl and matmul_out_vec4.wgsl (the output as f32s, or as vec4s where N % 4 == 0).
// chooseMatmulVariant is the one place a kernel variant is picked from the shape.
import matmulCommonWgsl from '../../shaders/matmul_common.wgsl?raw';
import matmulOutWgsl from '../../shaders/matmul_out.wgsl?raw';
import matmulOutVec4Wgsl from '../../shaders/matmul_out_vec4.wgsl?raw';
import matmulWgsl from '../../shaders/matmul.wgsl?raw';
import matmulVec4Wgsl from '../../shaders/matmul_vec4.wgsl?raw';
import matmulSubgroupsWgsl from '../../shaders/matmul_subgroups.wgsl?raw';
import matmulSubgroupsVec4Wgsl from '../../shaders/matmul_subgroups_vec4.wgsl?raw';
import matmulRows8Wgsl from '../../shaders/matmul_rows8.wgsl?raw';
import matmulRows8K1Wgsl from '../../shaders/matmul_rows8_k1.wgsl?raw';
import matmulTnCols4Wgsl from '../../shaders/matmul_tn_cols4.wgsl?raw';
import matmulLanes4Wgsl from '../../shaders/matmul_lanes4.wgsl?raw';
import activationFnsWgsl from '../../shaders/activation_fns.wgsl?raw';
import { sequenceOp, u32, type GpuContext, type Op } from '../gpu/context';
import { kernel, shaderFamily, withConstants } from '../gpu/shaders';
import { empty, Tensor } from '../gpu/tensor';
import { ACTIVATIONS, type Activation } from './activation_ids';

const libraries = [activationFnsWgsl, matmulCommonWgsl, matmulOutWgsl];
// Kernels that run only where N is a multiple of 4 (tn_vec4, the k1 ones) store their output as vec4s.
const vec4Out = [activationFnsWgsl, matmulCommonWgsl, matmulOutVec4Wgsl];
const scalar = shaderFamily('matmul', matmulWgsl, libraries);
// The subgroup families: `enable subgroups;` must open the module.
const withSubgroups = (f: ReturnType<typeof shaderFamily>) => ({ name: f.name, code: `enable subgroups;\n${f.code}` });
const subgroups = withSubgroups(shaderFamily('matmul_subgroups', [matmulWgsl, matmulSubgroupsWgsl].join('\n'), libraries));
const subgroupsVec4 = withSubgroups(shaderFamily('matmul_subgroups_vec4', [matmulVec4Wgsl, matmulSubgroupsVec4Wgsl].join('\n'), libraries));
const rows8K1 = withSubgroups(shaderFamily('matmul_rows8_k1', [matmulRows8K1Wgsl, matmulRows8Wgsl].join('\n'), vec4Out));
const vec4 = shaderFamily('matmul_vec4', matmulVec4Wgsl, vec4Out);
const tnCols4 = withSubgroups(shaderFamily('matmul_tn_cols4', matmulTnCols4Wgsl, libraries));
const lanes4 = withSubgroups(shaderFamily('matmul_lanes4', [matmulVec4Wgsl, matmulLanes4Wgsl].join('\n'), vec4Out));
const BINDINGS = { out: 0, pre: 1, a: 2, b: 3, bias: 4, params: 5 };
const SUM_BINDINGS = { ...BINDINGS, db: 11 }; // kernels that also store db = Σ_rows dY (SUM_A)

/**
 * The kernels: a workgroup covers a block of C ([rows, cols]); `vec4` ones need A's and B's
 * contiguous axes in multiples of 4 (see shaders/matmul_vec4.wgsl), `vec4b` ones B's only, `exact` ones need the block
 * (and tiled's K step, 16) to divide the shape, `only` ones run one [transA, transB] case, `n4`
 * ones need N in multiples of 4, `cols4` ones N ≤ 4 and M in multiples of 4, `subgroups` ones need subgroups of at least that many lanes
 * (subgroupLanes), `sums` ones store a dW product's db from their own loads (MatmulOptions.db; the
 * others run biasGradOp after).
 */
const VARIANTS = {
  direct: { kernel: kernel(scalar, 'matmul_direct', SUM_BINDINGS), block: [32, 32], vec4: false, exact: false, sums: true },
  direct_narrow: { kernel: kernel(scalar, 'matmul_direct', SUM_BINDINGS, { WGX: 2, WGY: 8 }), block: [64, 16], vec4: false, exact: false, sums: true },
  broadcast: { kernel: kernel(subgroups, 'matmul_broadcast', SUM_BINDINGS), block: [16, 16], vec4: false, exact: false, subgroups: 8, sums: true },
  tn_vec4: { kernel: kernel(vec4, 'matmul_tn_vec4', SUM_BINDINGS), block: [32, 32], vec4: true, exact: false, only: [true, false], sums: true },
  broadcast_vec4: { kernel: kernel(subgroupsVec4, 'matmul_broadcast_vec4', BINDINGS), block: [16, 16], vec4: true, exact: false, subgroups: 8, only: [false, true] },
  broadcast_vec4_wide: { kernel: kernel(subgroupsVec4, 'matmul_broadcast_vec4', BINDINGS, { WIDE: 1 }), block: [16, 32], vec4: true, exact: false, subgroups: 8, only: [false, true] },
  broadcast_rows8_k1: { kernel: kernel(rows8K1, 'matmul_broadcast_rows8_k1', BINDINGS), block: [8, 32], vec4: false, vec4b: true, exact: false, subgroups: 8, only: [false, false] },
  broadcast_rows16_k1: { kernel: kernel(rows8K1, 'matmul_broadcast_rows8_k1', BINDINGS, { TALL: 1 }), block: [16, 32], vec4: false, vec4b: true, exact: false, subgroups: 8, only: [false, false] },
  tn_rows8_k1: { kernel: kernel(rows8K1, 'matmul_tn_rows8_k1', SUM_BINDINGS), block: [8, 32], vec4: false, vec4b: true, exact: false, subgroups: 8, only: [true, false], sums: true },
  tn_rows16_k1: { kernel: kernel(rows8K1, 'matmul_tn_rows8_k1', SUM_BINDINGS, { TALL: 1 }), block: [16, 32], vec4: false, vec4b: true, exact: false, subgroups: 8, only: [true, false], sums: true },
  tn_cols4: { kernel: kernel(tnCols4, 'matmul_tn_cols4', SUM_BINDINGS), block: [32, 4], vec4: false, exact: false, subgroups: 8, only: [true, false], sums: true, cols4: true },
  tn_cols4_lanes4: { kernel: kernel(tnCols4, 'matmul_tn_cols4', SUM_BINDINGS, { LANES: 4 }), block: [16, 4], vec4: false, exact: false, subgroups: 4, only: [true, false], sums: true, cols4: true },
  // SwiftShader (subgroups of 4): shaders/matmul_lanes4.wgsl.
  tn_lanes4: { kernel: kernel(lanes4, 'matmul_tn_lanes4', SUM_BINDINGS), block: [16, 32], vec4: true, exact: false, subgroups: 4, only: [true, false], sums: true },
  nn_lanes4: { kernel: kernel(lanes4, 'matmul_lanes4', BINDINGS), block: [16, 32], vec4: true, exact: false, subgroups: 4, only: [false, false] },
  nt_lanes4: { kernel: kernel(lanes4, 'matmul_lanes4', BINDINGS), block: [16, 32], vec4: true, exact: false, subgroups: 4, only: [false, true], n4: true },
  tiled: { kernel: kernel(scalar, 'matmul_tiled', BINDINGS), block: [64, 64], vec4: false, exact: false },
  tiled_exact: { kernel: kernel(scalar, 'matmul_tiled', BINDINGS, { CLAMP: 0 }), block: [64, 64], vec4: false, exact: true },
  // Split-K (splitsFor): tiled's blocks over K ranges into partial sums, then matmul_split_sum.
  tiled_split: { kernel: kernel(scalar, 'matmul_tiled_split', { a: 2, b: 3, params: 5, partial: 9 }), block: [64, 64], vec4: false, exact: false },
} as const;
export type MatmulVariant = keyof typeof VARIANTS;
export const MATMUL_VARIANTS = Object.keys(VARIANTS) as MatmulVariant[];
const biasGradKernel = kernel(scalar, 'bias_grad', { db: 6, dc: 7, params: 8 }, { WG: 64 });
const splitSumKernel = kernel(scalar, 'matmul_split_sum', { out: 0, pre: 1, bias: 4, params: 5, partialIn: 10 }, { WG: 64 });

/** Most bytes of partial sums a split-K product keeps (its scratch buffer). */
const SPLIT_SCRATCH_BYTES = 4 << 20;

/**
 * How many K ranges a tiled product is split into: enough for about 128 workgroups of 64×64
 * outputs (a large GPU has over 100 cores), each range at least 32 deep, at most 16 ranges and
 * SPLIT_SCRATCH_BYTES of partial sums; 1 when the output alone fills the GPU. On an NVIDIA H200
 * a 32×256 output with K = 784 ran at 130 GFLOP/s unsplit, 350 in 7 ranges and 460 in 13.
 */
export function splitsFor(M: number, N: number, K: number): number {
  const blocks = Math.ceil(M / 64) * Math.ceil(N / 64);
  return Math.max(1, Math.min(Math.floor(K / 32), Math.ceil(128 / blocks), 16, Math.floor(SPLIT_SCRATCH_BYTES / (4 * M * N))));
}

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
  /**
   * out = (op(A)·op(B)) ⊙ fn'(z), z [M, N]: an activation's backward fused into the dX = dY·W
   * that feeds it (no bias, activation or preactivation then).
   */
  activationGrad?: { fn: Activation; z: Tensor };
  /**
   * With transA (dW = dYᵀ·X, a stored [K, M]): also db[m] = Σ_k a[k, m], the bias gradient
   * Σ_rows dY (=), the same bits as biasGradOp. The register-blocked kernels sum the dY they load
   * for the product, saving biasGradOp's own pass over dY (the LSTM adding step's
   * [3200, 128] gate gradients: ~0.5-0.8 ms each on lavapipe); the others run biasGradOp after.
   */
  db?: Tensor;
  /** Force a kernel variant (tests and benchmarks); by default chooseMatmulVariant picks. */
  variant?: MatmulVariant;
  /** Force tiled_split's number of K ranges (benchmarks); by default splitsFor picks. */
  splits?: number;
}

export type MatmulOp = Op & { variant: string };

/** The device's narrowest subgroup, 0 without the `subgroups` feature. */
export function subgroupLanes(ctx: GpuContext): number {
  const info = ctx.device.adapterInfo as GPUAdapterInfo & { subgroupMinSize?: number };
  return ctx.gpu.features.has('subgroups') ? info?.subgroupMinSize ?? 0 : 0;
}

/** Whether this device can run a variant at all: `subgroups` ones need subgroups at least that wide. */
export function variantRunsOn(ctx: GpuContext, variant: MatmulVariant): boolean {
  const v = VARIANTS[variant];
  return !('subgroups' in v) || subgroupLanes(ctx) >= v.subgroups;
}

const TRANSPOSES = [[false, false], [true, false], [false, true], [true, true]] as const;
/** The [transA, transB] cases a variant runs. */
export function variantCases(variant: MatmulVariant): (readonly [boolean, boolean])[] {
  const only: readonly boolean[] | undefined = (VARIANTS[variant] as { only?: readonly boolean[] }).only;
  return TRANSPOSES.filter(([tA, tB]) => !only || (only[0] === tA && only[1] === tB));
}

/** Whether a variant can run a shape (whether the device can run it at all: variantRunsOn). */
export function variantFits(variant: MatmulVariant, M: number, N: number, K: number, transA: boolean, transB: boolean): boolean {
  const v: { block: readonly number[]; vec4: boolean; vec4b?: boolean; exact: boolean; only?: readonly boolean[]; subgroups?: number; n4?: boolean; cols4?: boolean } = VARIANTS[variant];
  if (v.only && (v.only[0] !== transA || v.only[1] !== transB)) return false;
  if (v.n4 && N % 4 !== 0) return false;
  if (v.cols4 && (N > 4 || M % 4 !== 0)) return false;
  if (v.vec4b && (transB ? K : N) % 4 !== 0) return false;
  if (v.exact && (M % v.block[0] !== 0 || N % v.block[1] !== 0 || K % 16 !== 0)) return false;
  return !v.vec4 || ((transA ? M : K) % 4 === 0 && (transB ? K : N) % 4 === 0);
}

/**
 * The kernel variant for a shape and adapter: the one place a variant is picked. On lavapipe
 * (GFLOP/s, medians of 5-9 interleaved rounds of each variant, against the next best one):
 * with subgroups of 8, matmul_broadcast (square 256: 7.5 vs direct 5.3; dX 128×784×256: 8.2 vs
 * 6.2; forward 128×256×784: 6.7 vs 3.9; dW 10×256×128: 4.4 vs 3.5), with vec4 loads where K
 * (and for dX = dY·W, N) are multiples of 4: the forward X·Wᵀ in broadcast_vec4 (128×256×784:
 * 14.7 vs 8.4, 32×256×784: 11.9 vs 8.8, 128×10×256: 6.2 vs 2.7), with 32 columns a workgroup
 * where N ≥ 32 (broadcast_vec4_wide: 128×256×784 9.3-9.9 vs 7.4-8.3, 128×256×256 12.3 vs
 * 10.3, 512×1024×784 15.3 vs 14.7, tied at 64×64×64). dX = dY·W with N % 4 == 0, and dW = dYᵀ·X
 * with N % 4 == 0 where matmul_broadcast's bits ran (M ≥ 16, N ≥ 32 and K ≥ 16, or M % 4 ≠ 0),
 * in the k1 kernels (matmul_rows8_k1.wgsl: op(A) as one scalar per lane and k, broadcast; 16
 * rows a workgroup where M > 8, else 8). On a 2-core AMD EPYC host (2026-12-04) they beat the
 * kernels that loaded A as vec4s and broadcast its components at every shape tried: dX
 * rows16_k1 vs rows16 128×256×256 3.3 vs 2.4, 128×784×256 4.4 vs 3.0, 32×784×256 4.9 vs 3.4,
 * 512² 5.1 vs 3.9, 3200×128×32 3.6 vs 2.7, rows8_k1 vs rows8 8×64×64 0.84 vs 0.75; dW tn_rows16_k1
 * vs tn_rows16 128×32×3200 4.8 vs 3.5, 256×784×128 4.4 vs 3.4, 256×256×128 4.3 vs 3.4-3.9,
 * 512×1024×512 4.8 vs 3.7, vs broadcast 10×256×128 1.8 vs 1.3, 10×784×32 1.5 vs 1.1 (on the
 * Intel host of the README's table, rows8_k1 was 7.7 vs rows8's 8.0 at 128×784×256). Other dW
 * with M and N multiples of 4 keep tn_vec4 and its own bits (it won 256×784×8, 8×64×32 and
 * 16×16×64 against an earlier vec4 rows16, and the k1 kernels beat it by at most 1.15x there):
 * a kernel switch that moves bits can move the chaotic presets (docs/recurrent.md); tn_vec4 beat
 * broadcast at 5 of 6 dW shapes. With subgroups of 4 (SwiftShader: Chromium without a GPU), the
 * lanes4 kernels where M ≥ 16, N ≥ 32 and K ≥ 16 (Node on SwiftShader, medians of interleaved
 * rounds, vs the kernel chosen before: dW 128×32×3200 tn_lanes4 8.4-9.5 ms vs tn_vec4 14.1-14.6,
 * 256×784×128 17-23 vs 30-38, 256×784×32 8.7-9.0 vs 13.0-13.6; forward 128×256×784 nt_lanes4
 * 17-23 vs direct 41-44, 32×256×784 5.8-6.4 vs 10.6-11.5; dX 128×784×256 nn_lanes4 20-33 vs
 * 41-42, 32×784×256 5.2-7.0 vs 9.5-11.4; tied at 64×64×64), else as without subgroups. Without subgroups: the direct kernel, tn_vec4 for
 * dW as above (1.2-1.4x), direct_narrow for outputs at most 16 wide (1.2-1.6x: its workgroups
 * cover 64 rows × 16 columns instead of 32 × 32, so are fuller and more numerous). Hardware GPUs
 * get the workgroup-memory kernel at every shape (5x slower on lavapipe): on an NVIDIA H200
 * (`npm run bench -- --full --variants`) it beat the register-blocked kernels on 38 and 36 of the
 * 39 benchmark shapes in two runs (the few losses were different shapes each time), by up to
 * 3-4x; a 128×128-block version with 8×8 outputs per invocation lost to it nearly everywhere.
 * Outputs of fewer 64×64 blocks than the GPU has room for split K (splitsFor): 1.5-3.5x on the
 * batch 32 and 128 training shapes there.
 */
export function chooseMatmulVariant(M: number, N: number, K: number, transA: boolean, transB: boolean, software = false, lanes = 0): MatmulVariant {
  if (!software) {
    if (splitsFor(M, N, K) > 1) return 'tiled_split';
    return variantFits('tiled_exact', M, N, K, transA, transB) ? 'tiled_exact' : 'tiled';
  }
  const vec4 = variantFits('tn_vec4', M, N, K, transA, transB);
  if (lanes >= 8) {
    const tall = M > 8;
    if (vec4) return M >= 16 && N >= 32 && K >= 16 ? 'tn_rows16_k1' : 'tn_vec4';
    if (variantFits('broadcast_vec4', M, N, K, transA, transB)) return N >= 32 ? 'broadcast_vec4_wide' : 'broadcast_vec4';
    if (variantFits('broadcast_rows8_k1', M, N, K, transA, transB)) return tall ? 'broadcast_rows16_k1' : 'broadcast_rows8_k1';
    if (variantFits('tn_rows8_k1', M, N, K, transA, transB)) return tall ? 'tn_rows16_k1' : 'tn_rows8_k1'; // M % 4 ≠ 0: broadcast's bits
    if (variantFits('tn_cols4', M, N, K, transA, transB)) return 'tn_cols4'; // dW with at most 4 columns: broadcast's bits
    return 'broadcast';
  }
  if (lanes >= 4 && M >= 16 && N >= 32 && K >= 16) {
    for (const v of ['tn_lanes4', 'nn_lanes4', 'nt_lanes4'] as const) if (variantFits(v, M, N, K, transA, transB)) return v;
  }
  if (lanes >= 4 && variantFits('tn_cols4_lanes4', M, N, K, transA, transB)) return 'tn_cols4_lanes4';
  if (N <= 16) return 'direct_narrow';
  return vec4 ? 'tn_vec4' : 'direct';
}

function dims(t: Tensor, what: string): [number, number] {
  if (t.shape.length !== 2) throw new Error(`matmul: ${what} ${t.label} must be 2-D, got shape [${t.shape}]`);
  if (t.dtype !== 'f32') throw new Error(`matmul: ${what} ${t.label} is ${t.dtype}, expected f32`);
  return [t.shape[0], t.shape[1]];
}

/** out[M, N] = act(op(a)·op(b) + bias)   (=) */
export function matmulOp(ctx: GpuContext, out: Tensor, a: Tensor, b: Tensor, options: MatmulOptions = {}): MatmulOp {
  const { transA = false, transB = false, bias, activationGrad, db } = options;
  if (activationGrad && (bias || options.activation || options.preactivation)) throw new Error('matmul: activationGrad excludes bias, activation and preactivation');
  const activation = activationGrad?.fn ?? options.activation ?? 'identity';
  const preactivation = activationGrad?.z ?? options.preactivation;
  const [a0, a1] = dims(a, 'A');
  const [b0, b1] = dims(b, 'B');
  const [M, K] = transA ? [a1, a0] : [a0, a1];
  const [Kb, N] = transB ? [b1, b0] : [b0, b1];
  if (K !== Kb) throw new Error(`matmul: inner dimensions differ: ${a.label} gives K=${K}, ${b.label} gives K=${Kb}`);
  const [o0, o1] = dims(out, 'output');
  if (o0 !== M || o1 !== N) throw new Error(`matmul: output ${out.label} has shape [${out.shape}], expected [${M}, ${N}]`);
  if (bias && (bias.size !== N || bias.dtype !== 'f32')) throw new Error(`matmul: bias ${bias.label} must be f32 [${N}], got ${bias.dtype} [${bias.shape}]`);
  if (preactivation && (preactivation.shape.length !== 2 || preactivation.shape[0] !== M || preactivation.shape[1] !== N || preactivation.dtype !== 'f32')) {
    throw new Error(`matmul: ${activationGrad ? 'activationGrad.z' : 'preactivation'} ${preactivation.label} must be f32 [${M}, ${N}], got ${preactivation.dtype} [${preactivation.shape}]`);
  }
  if (db && !transA) throw new Error('matmul: db (the bias gradient of dW = dYᵀ·X) needs transA');
  if (db && (db.size !== M || db.dtype !== 'f32')) throw new Error(`matmul: db ${db.label} must be f32 [${M}], got ${db.dtype} [${db.shape}]`);
  for (const t of [a, b, bias]) {
    if (t && [out, preactivation, db].some((o) => o && o.buffer === t.buffer)) throw new Error(`matmul: output may not share a buffer with input ${t.label}`);
  }
  // Unused bindings still need a buffer (WGSL counts them as used): small scratch ones.
  const scratch: Tensor[] = [];
  const dummy = (label: string) => { const t = empty(ctx, [1], 'f32', label); scratch.push(t); return t; };
  if (options.splits !== undefined && !(Number.isInteger(options.splits) && options.splits >= 1)) throw new Error(`matmul: splits must be an integer >= 1, got ${options.splits}`);
  const variant = options.variant ?? chooseMatmulVariant(M, N, K, transA, transB, ctx.gpu.adapter.software, subgroupLanes(ctx));
  if (!variantFits(variant, M, N, K, transA, transB)) throw new Error(`matmul: variant ${variant} cannot run M=${M} N=${N} K=${K}${transA ? ' transA' : ''}${transB ? ' transB' : ''}`);
  const v = VARIANTS[variant];
  if (!variantRunsOn(ctx, variant)) throw new Error(`matmul: variant ${variant} needs subgroups of ${'subgroups' in v ? v.subgroups : 0} lanes or more, which this device lacks`);
  const grid: [number, number, number] = [Math.ceil(N / v.block[1]), Math.ceil(M / v.block[0]), 1];
  const max = ctx.maxWorkgroupsPerDimension;
  if (grid[0] > max || grid[1] > max) throw new Error(`matmul: ${variant} needs a ${grid[0]}×${grid[1]} grid for M=${M} N=${N}, over the device's ${max} per dimension`);
  const label = `matmul${transA ? '.tA' : ''}${transB ? '.tB' : ''}`;
  const epilogue = { HAS_BIAS: +!!bias, HAS_PRE: +(!!preactivation && !activationGrad), ACT_GRAD: +!!activationGrad, ACT: ACTIVATIONS[activation] };
  const outputs = { out, pre: preactivation ?? dummy('matmul.nopre'), bias: bias ?? dummy('matmul.nobias') };
  // tiled_split: K ranges of KS (a multiple of the kernel's K step, 16).
  const KS = variant === 'tiled_split' ? 16 * Math.ceil(K / (options.splits ?? splitsFor(M, N, K)) / 16) : K;
  const splits = Math.ceil(K / KS);
  const params = [u32(M), u32(N), u32(K), u32(KS)];
  let op: Op;
  if (variant === 'tiled_split') {
    // Partial sums per K range, then their sum in order with the epilogue. The partials live in
    // the context's shared scratch (splitsFor keeps them within SPLIT_SCRATCH_BYTES) unless a
    // forced split count needs more.
    const bytes = 4 * splits * M * N;
    const partial = bytes <= SPLIT_SCRATCH_BYTES ? Tensor.view(ctx, ctx.scratch(SPLIT_SCRATCH_BYTES), 0, [splits * M * N], 'f32', `${label}.partial`) : empty(ctx, [splits * M * N], 'f32', `${label}.partial`);
    if (bytes > SPLIT_SCRATCH_BYTES) scratch.push(partial);
    op = sequenceOp(label, [
      ctx.op(withConstants(VARIANTS.tiled_split.kernel, { TRANS_A: +transA, TRANS_B: +transB }), { a, b, partial }, params, [grid[0], grid[1], splits], `${label}.split`),
      ctx.op(withConstants(splitSumKernel, epilogue), { ...outputs, partialIn: partial }, params, M * N, `${label}.sum`),
    ]);
  } else {
    const sums = 'sums' in v && !!db;
    const k = withConstants(VARIANTS[variant].kernel, { TRANS_A: +transA, TRANS_B: +transB, SUM_A: +sums, ...epilogue });
    op = ctx.op(k, { ...outputs, a, b, ...('sums' in v ? { db: db ?? dummy('matmul.nodb') } : {}) }, params, grid, label);
  }
  if (db && !('sums' in v)) op = sequenceOp(label, [op, biasGradOp(ctx, db, a)]);
  return {
    ...op,
    cost: { flops: 2 * M * N * K, bytes: 4 * (M * K + K * N + M * N) },
    variant: variant === 'tiled_split' ? `tiled_split×${splits}` : variant,
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
  return ctx.op(biasGradKernel, { db, dc: dC }, [u32(M), u32(N), u32(0), u32(0)], [Math.ceil(N / 64), 1, 1]);
}
export const biasGrad = (ctx: GpuContext, db: Tensor, dC: Tensor) => runOnce(ctx, biasGradOp(ctx, db, dC));
