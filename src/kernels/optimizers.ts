// Fused optimizers (shaders/optimizers.wgsl): one dispatch over the flat parameter buffer per
// step. Learning rate and Adam's bias corrections are computed here per step (setStep) and passed
// as uniforms, never per element. State (moments) lives in flat zero-initialised buffers.
import optimizersWgsl from '../../shaders/optimizers.wgsl?raw';
import optimizersVec4Wgsl from '../../shaders/optimizers_vec4.wgsl?raw';
import optimizerParamsWgsl from '../../shaders/optimizer_params.wgsl?raw';
import { f32, u32, type GpuContext, type Op, type ParamField } from '../gpu/context';
import { kernel, shaderFamily, withConstants } from '../gpu/shaders';
import { zeros, upload, type Tensor } from '../gpu/tensor';

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; momentum?: number; nesterov?: boolean; weight_decay?: number }
  | { type: 'adam' | 'adamw'; lr: number; beta1?: number; beta2?: number; eps?: number; weight_decay?: number }
  | { type: 'rmsprop'; lr: number; alpha?: number; eps?: number; momentum?: number; weight_decay?: number };

const family = shaderFamily('optimizers', optimizersWgsl, [optimizerParamsWgsl]);
const vec4Family = shaderFamily('optimizers_vec4', optimizersVec4Wgsl, [optimizerParamsWgsl]);
const bindings = { param: 0, m: 1, v: 2, grad: 3, scale: 4, params: 5, before: 6 } as const;
const kernels = {
  sgd: kernel(family, 'sgd', { param: 0, m: 1, grad: 3, scale: 4, params: 5, before: 6 }),
  adam: kernel(family, 'adam', bindings),
  adamw: kernel(family, 'adam', bindings),
  rmsprop: kernel(family, 'rmsprop', bindings),
};
/** Adam on vec4s (shaders/optimizers_vec4.wgsl), for parameter counts that are multiples of 4. */
const adamVec4 = kernel(vec4Family, 'adam', bindings);

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
  /** The same update, also writing the parameters as they were before it into options.before. */
  savingBefore: Op | null;
};

/**
 * One fused update of all parameters. `gradScale` (f32 [1], e.g. the clip/guard scale) multiplies
 * each gradient as it is read; a NaN there skips the update. `clipValue` clamps gradients.
 * `before` (as long as the parameters) makes `savingBefore`, which records the same update and
 * writes the parameters as they were into it (the diagnostics' update norm), in the same read.
 * Call setStep(t) (t = 1, 2, ...) before each submit.
 */
export function optimizerStepOp(
  ctx: GpuContext, config: OptimizerConfig, params: Tensor, grads: Tensor, state: OptimizerState,
  options: { gradScale?: Tensor | null; clipValue?: number; before?: Tensor } = {},
): OptimizerStepOp {
  const n = params.size;
  if (grads.size !== n) throw new Error(`optimizer: ${grads.label} has ${grads.size} elements, ${params.label} has ${n}`);
  for (const b of state.buffers) if (b.size !== n) throw new Error(`optimizer: state ${b.label} has ${b.size} elements, expected ${n}`);
  if (options.before && options.before.size !== n) throw new Error(`optimizer: ${options.before.label} has ${options.before.size} elements, expected ${n}`);
  const owned: Tensor[] = [];
  const own = (t: Tensor) => (owned.push(t), t);
  const scale = options.gradScale ?? own(upload(ctx, [1], [1], 'f32', 'optimizer.scale1'));
  // The kernels name `before` whatever SAVE is: without one, a 4-element stand-in never written.
  const before = options.before ?? own(zeros(ctx, [4], 'f32', 'optimizer.before.unused'));
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
  const buffers = (config.type === 'sgd' ? { param: params, m, grad: grads, scale, before } : { param: params, m, v, grad: grads, scale, before }) as Record<'param' | 'm' | 'v' | 'grad' | 'scale' | 'before', Tensor>;
  const make = (kk: typeof kernels.adam, label: string) => ctx.op(kk, buffers, fields(), Math.ceil(n / PER_INVOCATION), label);
  const op = make(k as typeof kernels.adam, `optimizer.${config.type}`);
  const saving = options.before ? make(withConstants(k as typeof kernels.adam, { SAVE: 1 }), `optimizer.${config.type}+before`) : null;
  const variants = saving ? [op, saving] : [op];
  return {
    ...op,
    cost: { bytes: n * 4 * (config.type === 'sgd' ? 4 : 6) },
    savingBefore: saving && { ...saving, cost: { bytes: n * 4 * (config.type === 'sgd' ? 5 : 7) } },
    setStep(step) {
      t = step;
      for (const o of variants) o.setParams(fields());
    },
    setLr(value) {
      lr = value;
      for (const o of variants) o.setParams(fields());
    },
    dispose() {
      for (const o of variants) o.dispose();
      owned.forEach((o) => o.dispose());
    },
  };
}
