// Fused optimizers (shaders/optimizers.wgsl): one dispatch over the flat parameter buffer per
// step. Learning rate and Adam's bias corrections are computed here per step (setStep) and passed
// as uniforms, never per element. State (moments) lives in flat zero-initialised buffers.
import optimizersWgsl from '../../shaders/optimizers.wgsl?raw';
import { f32, u32, type GpuContext, type Op, type ParamField } from '../gpu/context';
import { kernel, shaderFamily } from '../gpu/shaders';
import { zeros, upload, type Tensor } from '../gpu/tensor';

export type OptimizerConfig =
  | { type: 'sgd'; lr: number; momentum?: number; nesterov?: boolean; weight_decay?: number }
  | { type: 'adam' | 'adamw'; lr: number; beta1?: number; beta2?: number; eps?: number; weight_decay?: number }
  | { type: 'rmsprop'; lr: number; alpha?: number; eps?: number; momentum?: number; weight_decay?: number };

const family = shaderFamily('optimizers', optimizersWgsl);
const bindings = { param: 0, m: 1, v: 2, grad: 3, scale: 4, params: 5 } as const;
const kernels = {
  sgd: kernel(family, 'sgd', { param: 0, m: 1, grad: 3, scale: 4, params: 5 }),
  adam: kernel(family, 'adam', bindings),
  adamw: kernel(family, 'adam', bindings),
  rmsprop: kernel(family, 'rmsprop', bindings),
};

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

export type OptimizerStepOp = Op & { setStep(t: number): void; setLr(lr: number): void };

/**
 * One fused update of all parameters. `gradScale` (f32 [1], e.g. the clip/guard scale) multiplies
 * each gradient as it is read; a NaN there skips the update. `clipValue` clamps gradients.
 * Call setStep(t) (t = 1, 2, ...) before each submit.
 */
export function optimizerStepOp(
  ctx: GpuContext, config: OptimizerConfig, params: Tensor, grads: Tensor, state: OptimizerState,
  options: { gradScale?: Tensor | null; clipValue?: number } = {},
): OptimizerStepOp {
  const n = params.size;
  if (grads.size !== n) throw new Error(`optimizer: ${grads.label} has ${grads.size} elements, ${params.label} has ${n}`);
  for (const b of state.buffers) if (b.size !== n) throw new Error(`optimizer: state ${b.label} has ${b.size} elements, expected ${n}`);
  const owned: Tensor[] = [];
  const scale = options.gradScale ?? (owned.push(upload(ctx, [1], [1], 'f32', 'optimizer.scale1')), owned[0]);
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
  const k = kernels[config.type];
  const buffers = config.type === 'sgd' ? { param: params, m, grad: grads, scale } : { param: params, m, v, grad: grads, scale };
  const op = ctx.op(k as typeof kernels.adam, buffers as Record<'param' | 'm' | 'v' | 'grad' | 'scale', Tensor>, fields(), Math.ceil(n / PER_INVOCATION), `optimizer.${config.type}`);
  return {
    ...op,
    cost: { bytes: n * 4 * (config.type === 'sgd' ? 4 : 6) },
    setStep(step) {
      t = step;
      op.setParams(fields());
    },
    setLr(value) {
      lr = value;
      op.setParams(fields());
    },
    dispose() {
      op.dispose();
      owned.forEach((o) => o.dispose());
    },
  };
}
