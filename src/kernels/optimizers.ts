// Fused optimizers (shaders/optimizers.wgsl): one dispatch over the flat parameter buffer per
// step. Learning rate and Adam's bias corrections are computed here per step (setStep) and passed
// as uniforms, never per element. State (moments) lives in flat zero-initialised buffers.
import optimizersWgsl from '../../shaders/optimizers.wgsl?raw';
import optimizersVec4Wgsl from '../../shaders/optimizers_vec4.wgsl?raw';
import optimizerParamsWgsl from '../../shaders/optimizer_params.wgsl?raw';
import optimizerNormsWgsl from '../../shaders/optimizer_norms.wgsl?raw';
import optimizerNormsScalarWgsl from '../../shaders/optimizer_norms_scalar.wgsl?raw';
import optimizerNormsVec4Wgsl from '../../shaders/optimizer_norms_vec4.wgsl?raw';
import { f32, u32, type GpuContext, type Op, type ParamField } from '../gpu/context';
import { kernel, shaderFamily, withConstants } from '../gpu/shaders';
import { upload, zeros, type Tensor } from '../gpu/tensor';
import reduceNormsWgsl from '../../shaders/reduce_norms.wgsl?raw';
import { normAndDistancePartials, reduceKernel, reductionFamily, type Segment } from './reduce';

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; momentum?: number; nesterov?: boolean; weight_decay?: number }
  | { type: 'adam' | 'adamw'; lr: number; beta1?: number; beta2?: number; eps?: number; weight_decay?: number }
  | { type: 'rmsprop'; lr: number; alpha?: number; eps?: number; momentum?: number; weight_decay?: number };

const family = shaderFamily('optimizers', optimizersWgsl, [optimizerParamsWgsl]);
const vec4Family = shaderFamily('optimizers_vec4', optimizersVec4Wgsl, [optimizerParamsWgsl]);
const bindings = { param: 0, m: 1, v: 2, grad: 3, scale: 4, params: 5 } as const;
const kernels = {
  sgd: kernel(family, 'sgd', { param: 0, m: 1, grad: 3, scale: 4, params: 5 }),
  adam: kernel(family, 'adam', bindings),
  adamw: kernel(family, 'adam', bindings),
  rmsprop: kernel(family, 'rmsprop', bindings),
};
/** Adam on vec4s (shaders/optimizers_vec4.wgsl), for parameter counts that are multiples of 4. */
const adamVec4 = kernel(vec4Family, 'adam', bindings);
/** The update of a diagnostics step with its norms (shaders/optimizer_norms.wgsl); KIND per type. */
const normsBindings = { ...bindings, partial: 7, chunks: 8 };
const updateWithNorms = kernel(reductionFamily('optimizer_norms', [optimizersWgsl, optimizerNormsScalarWgsl, optimizerNormsWgsl].join('\n'), [optimizerParamsWgsl, reduceNormsWgsl]), 'update_with_norms', normsBindings);
const updateWithNormsVec4 = kernel(reductionFamily('optimizer_norms_vec4', [optimizersVec4Wgsl, optimizerNormsVec4Wgsl, optimizerNormsWgsl].join('\n'), [optimizerParamsWgsl, reduceNormsWgsl]), 'update_with_norms', normsBindings);
const KIND = { sgd: 0, adam: 1, adamw: 1, rmsprop: 2, none: 3 } as const;

/** Parameters each invocation updates (PER in shaders/optimizers.wgsl). */
const PER_INVOCATION = 4;

export interface OptimizerState {
  /** m (momentum / first moment) and v (second moment), each as long as the parameters. */
  buffers: Tensor[];
  dispose(): void;
}

export function createOptimizerState(ctx: GpuContext, config: OptimizerConfig, size: number, label: string): OptimizerState {
  const buffers = [zeros(ctx, [size], 'f32', `${label}.m`), zeros(ctx, [size], 'f32', `${label}.v`)];
  return { buffers, dispose: () => buffers.forEach((b) => b.dispose()) };
}

export type OptimizerStepOp = Op & {
  setStep(t: number): void;
  setLr(lr: number): void;
  /**
   * With options.norms: the same update (the same bits), also writing ‖θ‖² and ‖θ − θ_before‖²
   * per segment (the update just applied) into norms.out; `normsOnly` writes them without an
   * update (‖Δθ‖ = 0). null without options.norms.
   */
  withNorms: Op | null;
  normsOnly: Op | null;
};

/**
 * One fused update of all parameters. `gradScale` (f32 [1], e.g. the clip/guard scale) multiplies
 * each gradient as it is read; a NaN there skips the update. `clipValue` clamps gradients.
 * `norms` (the parameter tensors as segments: each starting on a multiple of 4, no two in one
 * vec4) makes `withNorms` and `normsOnly`: the diagnostics' weight and update norms from the
 * values the update has in registers. Call setStep(t) (t = 1, 2, ...) before each submit.
 */
export function optimizerStepOp(
  ctx: GpuContext, config: OptimizerConfig, params: Tensor, grads: Tensor, state: OptimizerState,
  options: { gradScale?: Tensor | null; clipValue?: number; norms?: { out: Tensor; segments: readonly Segment[] } } = {},
): OptimizerStepOp {
  const n = params.size;
  if (grads.size !== n) throw new Error(`optimizer: ${grads.label} has ${grads.size} elements, ${params.label} has ${n}`);
  for (const b of state.buffers) if (b.size !== n) throw new Error(`optimizer: state ${b.label} has ${b.size} elements, expected ${n}`);
  const owned: Tensor[] = [];
  const own = (t: Tensor) => (owned.push(t), t);
  const scale = options.gradScale ?? own(upload(ctx, [1], [1], 'f32', 'optimizer.scale1'));
  let lr = config.lr;
  let t = 1;
  const fields = (): ParamField[] => {
    const c = config as Record<string, number | boolean | string | undefined>;
    const num = (k: string, d: number) => (typeof c[k] === 'number' ? (c[k] as number) : d);
    const beta1 = num('beta1', 0.9);
    const beta2 = num('beta2', 0.999);
    const adam = config.type === 'adam' || config.type === 'adamw';
    return [
      u32(n), u32(c.nesterov ? 1 : 0), f32(lr), f32(num('weight_decay', 0)),
      f32(beta1), f32(beta2), f32(num('eps', 1e-8)), f32(num('momentum', 0)),
      f32(adam ? 1 - beta1 ** t : 1), f32(adam ? 1 - beta2 ** t : 1), f32(options.clipValue ?? 0),
      // alpha: RMSprop's smoothing constant; for Adam-family kernels, 1 selects decoupled decay (AdamW)
      f32(config.type === 'rmsprop' ? num('alpha', 0.99) : config.type === 'adamw' ? 1 : 0),
    ];
  };
  const [m, v] = state.buffers;
  const k = (config.type === 'adam' || config.type === 'adamw') && n % 4 === 0 ? adamVec4 : kernels[config.type];
  const all = { param: params, m, v, grad: grads, scale };
  const op = ctx.op(k as typeof kernels.adam, config.type === 'sgd' ? { param: params, m, grad: grads, scale } as typeof all : all, fields(), Math.ceil(n / PER_INVOCATION), `optimizer.${config.type}`);
  const bytes = n * 4 * (config.type === 'sgd' ? 4 : 6);
  const variants = [op];
  // withNorms and normsOnly share the chunk table, the partials and the segments pass.
  const norms = options.norms && (checkSegments(options.norms.segments, n), normAndDistancePartials(ctx, options.norms.out, params, options.norms.segments, 'optimizer.norms'));
  const withNorms = (kind: keyof typeof KIND, label: string): Op | null => {
    if (!norms) return null;
    // Where the plain update runs on vec4s, so does this one (its update function: the same bits).
    const nk = k === adamVec4 ? updateWithNormsVec4 : updateWithNorms;
    const update = ctx.op(reduceKernel(ctx, withConstants(nk, { KIND: KIND[kind] })), { ...all, partial: norms.partial, chunks: norms.chunks }, fields(), norms.grid, label);
    variants.push(update);
    return {
      label,
      cost: { bytes: kind === 'none' ? n * 4 : bytes },
      record(pass) {
        update.record(pass);
        norms.segmentsPass.record(pass);
      },
      setParams() {
        throw new Error(`${label}: set the step and learning rate through the optimizer op`);
      },
      dispose: () => update.dispose(),
    };
  };
  const updateNorms = withNorms(config.type, `optimizer.${config.type}+norms`);
  const normsOnly = withNorms('none', 'optimizer.norms only');
  return {
    ...op,
    cost: { bytes },
    withNorms: updateNorms,
    normsOnly,
    setStep(step) {
      t = step;
      for (const o of variants) o.setParams(fields());
    },
    setLr(value) {
      lr = value;
      for (const o of variants) o.setParams(fields());
    },
    dispose() {
      op.dispose();
      updateNorms?.dispose();
      normsOnly?.dispose();
      norms?.dispose();
      owned.forEach((o) => o.dispose());
    },
  };
}

/** update_with_norms' layout rule: tensors start on vec4s and share none (their padding is theirs). */
function checkSegments(segments: readonly Segment[], n: number): void {
  const sorted = [...segments].sort((a, b) => a.offset - b.offset);
  let end = 0;
  for (const s of sorted) {
    if (s.offset % 4 !== 0 || s.offset < end || s.offset + s.length > n) {
      throw new Error(`optimizer norms: segment at ${s.offset} (length ${s.length}) must start on a multiple of 4 after the previous one's last vec4, inside the ${n} parameters`);
    }
    end = s.offset + Math.ceil(s.length / 4) * 4;
  }
}
