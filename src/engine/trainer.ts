// The trainer: compiles a validated spec into a static plan (flat parameter, gradient and
// optimizer buffers; the training graph; diagnostics) and runs each training step as ONE command
// encoder and ONE submit, with no readback inside the step. Loss and diagnostics come back
// asynchronously every `log_every` steps through a ReadbackRing.
import type { GpuContext, Op } from '../gpu/context';
import { Tensor, upload, write, zeros } from '../gpu/tensor';
import { Inference } from './inference';
import { IN_FLIGHT, logsStep, readyForStep } from './loop';
import { gatherRowsOp } from '../kernels/elementwise';
import { Batcher, outputsFor, targetsFor, type Dataset } from './data';
import { buildGraph, type Graph, type GraphOptions } from './graph';
import { accuracyOf, lossOp } from './loss';
import { describeModel, type ModelInfo } from './model';
import { checkFits, Network, Updater } from './network';
import { initialRng } from './initial';
import { Profiler } from './profiler';
import { readTrainingState, saveTrainingState } from './resume';
import { ReadbackRing } from './readback';
import { Rng } from './rng';
import { SpecError, type Spec } from './spec';
import { GpuLimitError } from '../gpu/buffers';
import type { StepRecord } from './diagnostics';
import { dataDependentInit, needsDataInit } from './weight_norm_init';

export class Trainer {
  readonly model: ModelInfo;
  params!: Tensor<'f32'>;
  grads!: Tensor<'f32'>;
  states!: Tensor<'f32'>;
  graph!: Graph;
  /** Completed optimizer steps. */
  step = 0;
  /** Set when a step produced a non-finite gradient: training stops there (see `guard`). */
  stopped: StepRecord['nonFinite'] = null;
  private net!: Network;
  private updater!: Updater;
  private lossOp!: Op;
  private gather!: Op[];
  private indices!: Tensor<'u32'>;
  private data!: { x: Tensor; y: Tensor };
  private batcher!: Batcher;
  private dropoutRng!: Rng;
  private ring!: ReadbackRing;
  private listeners: ((r: StepRecord) => void)[] = [];

  /**
   * Builds a trainer, reporting out-of-memory through an error scope; on any failure everything
   * already allocated is released and nothing is left half-built.
   */
  static async create(ctx: GpuContext, spec: Spec, dataset: Dataset): Promise<Trainer> {
    ctx.device.pushErrorScope('out-of-memory');
    let trainer: Trainer;
    try {
      trainer = new Trainer(ctx, spec, dataset);
    } finally {
      const oom = await ctx.device.popErrorScope();
      if (oom) {
        trainer!?.dispose();
        throw new GpuLimitError(`the GPU ran out of memory building the model (${describeModel(spec).paramCount} parameters, batch ${spec.batch_size}): ${oom.message}`);
      }
    }
    if (trainer.dataInitPending) {
      try {
        await trainer.initialiseFromData();
      } catch (e) {
        trainer.dispose();
        throw e;
      }
    }
    return trainer;
  }

  constructor(readonly ctx: GpuContext, readonly spec: Spec, readonly dataset: Dataset, private graphOptions: GraphOptions = {}) {
    this.model = describeModel(spec, outputsFor(spec.loss, dataset), undefined, `what loss "${spec.loss}" needs for data "${dataset.name}"`);
    if (this.model.input !== dataset.features) {
      throw new SpecError('model.input', `${dataset.features} (the features of data "${dataset.name}")`, this.model.input);
    }
    checkFits(ctx, this.model, spec.batch_size, dataset);
    try {
      this.build();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  private build(): void {
    const { ctx, spec, dataset } = this;
    const m = this.model;
    this.net = new Network(ctx, m);
    ({ params: this.params, grads: this.grads, states: this.states } = this.net);
    this.net.initialise(initialRng(spec.seed));
    this.dataInitPending = needsDataInit(m);
    const B = spec.batch_size;
    this.graph = buildGraph(ctx, m, this.net.flat, B, true, {}, this.graphOptions);

    // Data lives on the GPU; a step uploads only B indices and gathers its batch there.
    const train = dataset.train;
    if (train.n < 1) throw new Error(`data: "${dataset.name}" has no training samples`);
    const targets = targetsFor(spec.loss, dataset, train);
    const outputs = m.output;
    this.data = {
      x: upload(ctx, train.x, [train.n, dataset.features], 'f32', 'data.x'),
      y: targets instanceof Int32Array ? upload(ctx, targets, [train.n], 'i32', 'data.y') : upload(ctx, targets, [train.n, outputs], 'f32', 'data.y'),
    };
    this.indices = zeros(ctx, [B], 'u32', 'batch.indices');
    const yBatch = zeros(ctx, targets instanceof Int32Array ? [B] : [B, outputs], targets instanceof Int32Array ? 'i32' : 'f32', 'batch.y');
    this.gather = [gatherRowsOp(ctx, this.graph.input, this.data.x, this.indices), gatherRowsOp(ctx, yBatch, this.data.y, this.indices)];
    this.batchTargets = yBatch;

    this.updater = new Updater(ctx, this.net, this.graph, spec.optimizer, spec.clip);
    this.lossOp = lossOp(ctx, spec.loss, this.updater.diag.views.loss, this.graph.dOutput!, this.graph.output, yBatch);
    this.batcher = new Batcher(train.n, B, spec.seed);
    this.dropoutRng = new Rng(spec.seed).fork(0xd0);
    // A slot per step the loop keeps in flight: logging every step never throttles it below that.
    this.ring = new ReadbackRing(ctx.device, this.updater.diag.bytes, IN_FLIGHT, 'diagnostics');
  }

  private batchTargets!: Tensor;

  /** Set until weight_norm_init "data" has run (Trainer.create runs it; it reads a batch back). */
  private dataInitPending = false;

  /** weight_norm_init "data" on the first batch_size training rows (src/engine/weight_norm_init.ts). */
  private async initialiseFromData(): Promise<void> {
    const n = this.dataset.train.n;
    this.ctx.device.queue.writeBuffer(this.indices.buffer, 0, Uint32Array.from({ length: this.spec.batch_size }, (_, i) => i % n));
    await dataDependentInit(this.model, this.graph, this.params, () => this.ctx.submit([...this.gather, ...this.graph.forward], 'weight_norm_init'));
    this.net.resetStates(); // those forward passes moved the running statistics
    this.dataInitPending = false;
  }

  onStep(listener: (r: StepRecord) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  setLearningRate(lr: number): void {
    if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`optimizer.lr: expected a positive number, got ${lr}`);
    this.spec.optimizer.lr = lr;
    this.updater.setLearningRate(lr);
  }

  setClipNorm(maxNorm: number | null): void {
    this.spec.clip.global_norm = maxNorm ?? undefined;
    this.updater.setClipNorm(maxNorm);
  }

  /** Reads diagnostics back every n steps from the next step on (spec.log_every). */
  setLogEvery(n: number): void {
    if (!(Number.isInteger(n) && n >= 1)) throw new Error(`log_every: expected an integer >= 1, got ${n}`);
    this.spec.log_every = n;
  }

  /** Records and submits one training step. Never waits for the GPU. */
  runStep(): void {
    if (this.stopped) throw new Error(`training stopped at step ${this.stopped.step}: non-finite values in ${this.stopped.where}`);
    if (this.dataInitPending) throw new Error('weight_norm_init "data" has not run: build the trainer with Trainer.create');
    this.record(this.batcher.next(), true);
  }

  /**
   * One forward and backward pass on the training rows `indices` without an update: the loss and
   * every parameter's gradient (flat, laid out as the parameters), read back.
   */
  async gradientsOn(indices: Uint32Array): Promise<{ loss: number; grads: Float32Array }> {
    if (indices.length !== this.spec.batch_size) throw new Error(`gradientsOn: ${indices.length} rows for batch size ${this.spec.batch_size}`);
    this.record(indices, false);
    const [loss, grads] = await Promise.all([this.updater.diag.views.loss.download(), this.grads.download()]);
    return { loss: loss[0], grads };
  }

  /** Every op of a step before the update, in order (built on the first step). */
  private stepOps: Op[] | null = null;

  private record(indices: Uint32Array, update: boolean): void {
    const t = this.step + 1;
    const ctx = this.ctx;
    ctx.device.queue.writeBuffer(this.indices.buffer, 0, indices);
    const dropSeed = Math.floor(this.dropoutRng.next() * 2 ** 32);
    for (const d of this.graph.dropout) d.setSeed(dropSeed);
    this.updater.setStep(t);
    const log = update && logsStep(t, this.spec.log_every);

    const encoder = ctx.device.createCommandEncoder({ label: `step ${t}` });
    const ops = (this.stepOps ??= [...this.gather, ...this.graph.forward, this.lossOp, ...this.graph.backward, ...this.updater.preUpdate]);
    if (this.profiler) {
      // Profiling is a mode of its own: one pass per kernel with timestamps, no diagnostics.
      const after = this.profiler.record(encoder, update ? [...ops, this.updater.updates[0]] : ops);
      ctx.device.queue.submit([encoder.finish()]);
      after();
      if (update) this.step = t;
      return;
    }
    this.updater.record(encoder, ops, { log, update });
    const diag = this.updater.diag;
    const afterSubmit = log ? this.ring.record(encoder, diag.buffer, (data) => this.deliver(diag.parse(data, t), indices)) : null;
    ctx.device.queue.submit([encoder.finish()]);
    afterSubmit?.();
    if (update) this.step = t;
  }

  private deliver(r: StepRecord, indices: Uint32Array): void {
    r.accuracy = accuracyOf(r.logits, this.model.output, indices, this.dataset.train.labels, this.dataset.classes);
    if (r.nonFinite && !this.stopped) this.stopped = r.nonFinite;
    for (const l of this.listeners) l(r);
  }

  /** Optimizer moments, step, data position and RNGs: with a model checkpoint, an exact resume. */
  saveTrainingState(): Promise<Uint8Array> {
    return saveTrainingState({ step: this.step, optimizerBuffers: this.updater.optimizer.buffers, batcher: this.batcher, dropoutRngState: this.dropoutRng.state });
  }

  /** Restores saveTrainingState's file after validating all of it (nothing changes on error). */
  loadTrainingState(bytes: Uint8Array): void {
    const buffers = this.updater.optimizer.buffers;
    const s = readTrainingState(bytes, { optimizer: buffers.map((b) => b.size), samples: this.dataset.train.n });
    buffers.forEach((b, i) => write(b, s.optimizer[i]));
    this.batcher.restore(s.batcher);
    this.dropoutRng.state = s.dropoutRng;
    this.step = s.step;
  }

  /** Per-kernel GPU timing of every step while set (see Profiler); null: off, and free. */
  profiler: Profiler | null = null;

  startProfiling(): Profiler {
    this.profiler ??= new Profiler(this.ctx, 8 + this.graph.forward.length + this.graph.backward.length + this.gather.length);
    return this.profiler;
  }

  stopProfiling(): void {
    this.profiler?.destroy();
    this.profiler = null;
  }

  private inference: Inference | null = null;

  /** Model outputs [n, outputs] for inputs x [n, features], in eval mode. */
  predict(x: Float32Array): Promise<Float32Array> {
    this.inference ??= new Inference(this.ctx, this.model, this.params, this.states);
    return this.inference.predict(x);
  }

  /** Loss and accuracy on the held-out split (the first EVAL_LIMIT rows of it), in eval mode. */
  evaluate(split: 'test' | 'train' = 'test'): Promise<{ loss: number; accuracy: number | null; n: number }> {
    this.inference ??= new Inference(this.ctx, this.model, this.params, this.states);
    return this.inference.evaluate(this.spec.loss, this.dataset, split);
  }

  /**
   * Resolves when the next training step's diagnostics (or, while profiling, its timestamps) have a
   * readback slot: the loop awaits this between steps so that no record is dropped (runStep alone
   * never waits).
   */
  readyToLog(): Promise<void> {
    return readyForStep(this.step + 1, this.spec.log_every, this.ring, this.profiler);
  }

  /** Waits for every diagnostics readback in flight. */
  flush(): Promise<void> {
    return this.ring.flush();
  }

  /** Diagnostics records skipped because every readback slot was busy (runStep without the loop). */
  get droppedReadbacks(): number {
    return this.ring.dropped;
  }

  /** Releases every GPU resource; safe on a partly built trainer and when called twice. */
  dispose(): void {
    this.stopProfiling();
    this.ring?.destroy();
    this.updater?.dispose();
    for (const o of [...(this.gather ?? []), this.lossOp]) o?.dispose();
    this.graph?.dispose();
    this.inference?.dispose();
    this.inference = null;
    this.net?.dispose();
    for (const t of [this.indices, this.batchTargets, this.data?.x, this.data?.y]) t?.dispose();
    this.ring = undefined!;
    this.updater = undefined!;
    this.net = undefined!;
    this.gather = [];
    this.graph = undefined!;
  }
}
