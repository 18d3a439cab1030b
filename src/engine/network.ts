// One network's training state on the GPU, shared by every trainer (the single-network Trainer,
// the GAN's generator and discriminator): the flat parameter, gradient and state buffers of a
// ModelInfo with their seeded initialisation, and the Updater that follows a backward pass
// (Σg² per tensor, the step guard, the fused optimizer, diagnostics on log steps).
import { checkBufferSize } from '../gpu/buffers';
import type { GpuContext, Op } from '../gpu/context';
import { zeros, type Tensor } from '../gpu/tensor';
import { stepGuardOp, type StepGuardOp } from '../kernels/clip';
import { createOptimizerState, optimizerStepOp, type OptimizerConfig, type OptimizerState, type OptimizerStepOp } from '../kernels/optimizers';
import type { Dataset } from './data';
import { buildDiagnostics, type Diagnostics } from './diagnostics';
import type { FlatBuffers, Graph } from './graph';
import { initialParameters, initialStates } from './initial';
import type { ModelInfo } from './model';
import type { Rng } from './rng';
import type { OptimizerSpec, Spec } from './spec';

export class Network {
  readonly params: Tensor<'f32'>;
  readonly grads: Tensor<'f32'>;
  readonly states: Tensor<'f32'>;

  /** `label` prefixes the buffers' labels ("" for a single network). */
  constructor(readonly ctx: GpuContext, readonly model: ModelInfo, label = '') {
    this.params = zeros(ctx, [model.paramElements], 'f32', `${label}params`);
    this.grads = zeros(ctx, [model.paramElements], 'f32', `${label}grads`); // padding stays zero
    this.states = zeros(ctx, [model.stateElements], 'f32', `${label}states`);
  }

  get flat(): FlatBuffers {
    return { params: this.params.buffer, grads: this.grads.buffer, states: this.states.buffer };
  }

  /** Seeded initial parameters and states (src/engine/initial.ts). */
  initialise(rng: Rng): void {
    const { params, states } = initialParameters(this.model, rng);
    this.ctx.device.queue.writeBuffer(this.params.buffer, 0, params);
    this.ctx.device.queue.writeBuffer(this.states.buffer, 0, states);
  }

  /** Batch-norm running statistics as PyTorch starts them: mean 0, variance 1. */
  resetStates(): void {
    this.ctx.device.queue.writeBuffer(this.states.buffer, 0, initialStates(this.model));
  }

  dispose(): void {
    for (const t of [this.params, this.grads, this.states]) t.dispose();
  }
}

/**
 * What follows a network's backward pass. `preUpdate` (Σg² per tensor, then the guard: the
 * global-norm clip scale and a sticky non-finite flag that makes the optimizer skip the update)
 * closes the step's main pass; `updates[i]` is the i-th optimizer update of one submit (several
 * when a submit updates the network several times, each with its own Adam step count).
 */
export class Updater {
  readonly diag: Diagnostics;
  readonly guard: StepGuardOp;
  readonly updates: OptimizerStepOp[];
  readonly optimizer: OptimizerState;

  constructor(ctx: GpuContext, net: Network, graph: Graph, optimizer: OptimizerSpec, clip: Spec['clip'], updatesPerSubmit = 1, label = 'optimizer') {
    this.diag = buildDiagnostics({ ctx, model: net.model, graph, params: net.params, grads: net.grads });
    this.guard = stepGuardOp(ctx, { scale: this.diag.scale, flag: this.diag.views.flag }, this.diag.views.gradSq, clip.global_norm ?? null);
    this.optimizer = createOptimizerState(ctx, optimizer as OptimizerConfig, net.model.paramElements, label);
    this.updates = Array.from({ length: updatesPerSubmit }, () =>
      optimizerStepOp(ctx, optimizer as OptimizerConfig, net.params, net.grads, this.optimizer, { gradScale: this.diag.scale, clipValue: clip.value, norms: this.diag.updateNorms }));
  }

  get preUpdate(): Op[] {
    return [this.diag.gradSq, this.guard];
  }

  /** Step counts: the guard flags step t; update i is the network's optimizer step first + i. */
  setStep(t: number, first = t): void {
    this.guard.setStep(t);
    this.updates.forEach((u, i) => u.setStep(first + i));
  }

  setLearningRate(lr: number): void {
    for (const u of this.updates) u.setLr(lr);
  }

  setClipNorm(maxNorm: number | null): void {
    this.guard.setMaxNorm(maxNorm);
  }

  /**
   * Records `ops` (ending with preUpdate) in one compute pass, then update `i` in its own pass
   * (when `update`), with the diagnostics around it on log steps.
   */
  record(encoder: GPUCommandEncoder, ops: readonly Op[], o: { log: boolean; update: boolean; i?: number; label?: string }): void {
    const pass = encoder.beginComputePass({ label: o.label ?? 'forward, backward, guard' });
    // A log step's Σg² comes with the gradient histograms, from one read of the gradients.
    for (const op of ops) (o.log && op === this.diag.gradSq ? this.diag.gradSqWithHistograms : op).record(pass);
    pass.end();
    if (o.log) this.diag.beforeUpdate(encoder);
    if (o.update || o.log) {
      // On a log step the update also sums ‖θ‖² and ‖Δθ‖² per tensor from the values it holds;
      // a log step without an update (a frozen GAN generator) sums ‖θ‖² alone.
      const update = this.updates[o.i ?? 0];
      const upd = encoder.beginComputePass({ label: 'optimizer' });
      (!o.log ? update : o.update ? update.withNorms! : update.normsOnly!).record(upd);
      upd.end();
    }
    if (o.log) this.diag.afterUpdate(encoder);
  }

  dispose(): void {
    this.diag.dispose();
    this.guard.dispose();
    for (const u of this.updates) u.dispose();
    this.optimizer.dispose();
  }
}

/** Refuses, before any allocation, a model whose tensors exceed the device's buffer limits. */
export function checkFits(ctx: GpuContext, model: ModelInfo, batch: number, data: Dataset): void {
  const limits = ctx.device.limits;
  const storage = GPUBufferUsage.STORAGE;
  checkBufferSize(limits, model.paramElements * 4, storage, `parameters (${model.paramCount} values)`);
  checkBufferSize(limits, data.train.n * data.features * 4, storage, `training data (${data.train.n} × ${data.features})`);
  for (const l of model.flat) checkBufferSize(limits, batch * Math.max(l.inWidth, l.outWidth) * 4, storage, `${l.path} (${l.spec.type}, batch ${batch} × ${Math.max(l.inWidth, l.outWidth)})`);
  for (const p of model.params) checkBufferSize(limits, p.size * 4, storage, `${p.layer.path} ${p.name} [${p.shape}]`);
}
