// The GAN trainer: two Networks (generator G, discriminator D), three training graphs (G; D on the
// real batch; D on G's output, chained so that D's input gradient is G's output gradient) and one
// adversarial step as ONE command encoder and ONE submit, with no readback inside it:
//   for each of d_steps D steps: G forward on fresh noise, D forward on real and on fake (separate
//     passes: batch norm keeps separate batch statistics), D's loss, backward through D only, the
//     two passes' D gradients added, D's guard and update;
//   then the G step: G forward on fresh noise, D forward (with D's new weights), G's loss, backward
//     through D into G (∂L_G/∂G(z) is D's input gradient), G's guard and update. D's parameters
//     are not updated by the G step (its D gradients go to the fake pass's scratch buffer).
// Diagnostics of both networks come back every log_every steps through one readback ring.
import type { GpuContext, Op } from '../../gpu/context';
import { GpuLimitError } from '../../gpu/buffers';
import { Tensor, upload, write, zeros } from '../../gpu/tensor';
import { addScaledOp, copyOp, gatherRowsOp } from '../../kernels/elementwise';
import { ganLossOp, type GanLossTerm } from '../../kernels/gan_losses';
import { sumSquaresOp } from '../../kernels/reduce';
import { Batcher, type Dataset } from '../data';
import { parseGanRecord, type GanStepRecord, SCALARS } from './record';
import { describeGan, type GanSpec, type GeneratorLoss, type NetName } from './spec';
import { buildGraph, type Graph } from '../graph';
import { Inference } from '../inference';
import { initialRng } from '../initial';
import type { ModelInfo } from '../model';
import { checkFits, Network, Updater } from '../network';
import { Profiler } from '../profiler';
import { IN_FLIGHT, logsStep, readyForStep } from '../loop';
import { ReadbackRing } from '../readback';
import { Rng } from '../rng';

/** The loss terms of a generator loss: D's on the real and on the generated batch, and G's. */
export function ganTerms(loss: GeneratorLoss): { real: GanLossTerm; fake: GanLossTerm; generator: GanLossTerm } {
  if (loss === 'least_squares') return { real: { kind: 'squares', target: 1 }, fake: { kind: 'squares', target: 0 }, generator: { kind: 'squares', target: 1 } };
  return { real: { kind: 'bce', target: 1 }, fake: { kind: 'bce', target: 0 }, generator: loss === 'saturating' ? { kind: 'saturating' } : { kind: 'bce', target: 1 } };
}

/** One network's initial parameters for `seed`: a fork of the single-network stream per network. */
export const ganInitialRng = (seed: number, net: NetName) => initialRng(seed).fork(net === 'generator' ? 0x6e : 0xd1);

export class GanTrainer {
  readonly models: Record<NetName, ModelInfo>;
  readonly nets = {} as Record<NetName, Network>;
  /** G; D on the real batch; D on G(z). */
  readonly graphs = {} as { generator: Graph; real: Graph; fake: Graph };
  /** Completed adversarial steps (each d_steps D updates and one G update). */
  step = 0;
  stopped: GanStepRecord['nonFinite'] = null;
  private updaters = {} as Record<NetName, Updater>;
  private owned: Tensor[] = [];
  private ops: Op[] = [];
  private dSteps: Op[][] = [];
  private gStep: Op[] = [];
  private noise!: Tensor; // z for every G forward of a step: [(d_steps + 1)·B, latent]
  private indices!: Tensor<'u32'>; // real rows of every D step: [d_steps·B]
  private scalars!: Tensor<'f32'>;
  private record!: GPUBuffer; // both diagnostics buffers and the scalars, for one readback
  private ring!: ReadbackRing;
  private batcher: Batcher;
  private noiseRng: Rng;
  private dropoutRng: Rng;
  private listeners: ((r: GanStepRecord) => void)[] = [];
  private inference: Partial<Record<NetName, Inference>> = {};

  /** As Trainer.create: out-of-memory while building is an error naming the networks. */
  static async create(ctx: GpuContext, spec: GanSpec, dataset: Dataset): Promise<GanTrainer> {
    ctx.device.pushErrorScope('out-of-memory');
    let t: GanTrainer;
    try {
      t = new GanTrainer(ctx, spec, dataset);
    } finally {
      const oom = await ctx.device.popErrorScope();
      if (oom) {
        t!?.dispose();
        const m = describeGan(spec);
        throw new GpuLimitError(`the GPU ran out of memory building the GAN (${m.generator.paramCount} + ${m.discriminator.paramCount} parameters, batch ${spec.batch_size}): ${oom.message}`);
      }
    }
    return t;
  }

  constructor(readonly ctx: GpuContext, readonly spec: GanSpec, readonly dataset: Dataset) {
    this.models = describeGan(spec);
    if (dataset.features !== this.models.generator.output) throw new Error(`data: "${dataset.name}" has ${dataset.features} features, the generator draws ${this.models.generator.output}`);
    if (dataset.train.n < 1) throw new Error(`data: "${dataset.name}" has no training samples`);
    for (const m of Object.values(this.models)) checkFits(ctx, m, spec.batch_size, dataset);
    this.batcher = new Batcher(dataset.train.n, spec.batch_size, spec.seed);
    this.noiseRng = new Rng(spec.seed).fork(0x2015);
    this.dropoutRng = new Rng(spec.seed).fork(0xd0);
    try {
      this.build();
    } catch (e) {
      this.dispose();
      throw e;
    }
  }

  private build(): void {
    const { ctx, spec, models } = this;
    const B = spec.batch_size;
    const K = spec.gan.d_steps;
    const L = spec.gan.latent;
    const own = <T extends Tensor>(t: T) => (this.owned.push(t), t);
    const op = (o: Op) => (this.ops.push(o), o);
    for (const net of ['generator', 'discriminator'] as const) {
      this.nets[net] = new Network(ctx, models[net], `${net}.`);
      this.nets[net].initialise(ganInitialRng(spec.seed, net));
    }
    const { generator: G, discriminator: D } = this.nets;
    const g = (this.graphs.generator = buildGraph(ctx, models.generator, G.flat, B, true));
    const real = (this.graphs.real = buildGraph(ctx, models.discriminator, D.flat, B, true));
    // D on G(z): its parameter gradients go to a buffer of their own (added to the real pass's
    // in a D step, ignored in the G step); its input gradient is G's output gradient.
    const fakeGrads = own(zeros(ctx, [models.discriminator.paramElements], 'f32', 'discriminator.grads.fake'));
    const fake = (this.graphs.fake = buildGraph(ctx, models.discriminator, { ...D.flat, grads: fakeGrads.buffer }, B, true, { input: g.output, dInput: g.dOutput! }));
    this.updaters.discriminator = new Updater(ctx, D, real, spec.optimizer_d, spec.clip_d, K, 'discriminator.optimizer');
    this.updaters.generator = new Updater(ctx, G, g, spec.optimizer_g, spec.clip_g, 1, 'generator.optimizer');

    this.noise = own(zeros(ctx, [(K + 1) * B, L], 'f32', 'noise'));
    this.indices = own(zeros(ctx, [K * B], 'u32', 'batch.indices.all'));
    const rows = own(zeros(ctx, [B], 'u32', 'batch.indices'));
    const data = own(upload(ctx, this.dataset.train.x, [this.dataset.train.n, this.dataset.features], 'f32', 'data.x'));
    // Scalars, each at a 256-byte boundary: [loss, mean D] of each loss term, then ‖∂L_G/∂G(z)‖².
    this.scalars = own(zeros(ctx, [SCALARS.bytes / 4], 'f32', 'gan.scalars'));
    const view = (at: number, n: number, label: string) => Tensor.view(ctx, this.scalars.buffer, at * 4, [n], 'f32', `gan.${label}`);
    const terms = ganTerms(spec.gan.generator_loss);
    const lossReal = op(ganLossOp(ctx, { out: view(SCALARS.real, 2, 'real'), dlogits: real.dOutput! }, real.output, terms.real));
    const lossFake = op(ganLossOp(ctx, { out: view(SCALARS.fake, 2, 'fake'), dlogits: fake.dOutput! }, fake.output, terms.fake));
    const lossG = op(ganLossOp(ctx, { out: view(SCALARS.generator, 2, 'generator'), dlogits: fake.dOutput! }, fake.output, terms.generator));
    const addFake = op(addScaledOp(ctx, D.grads, D.grads, fakeGrads, 1));
    const gOutSq = op(sumSquaresOp(ctx, view(SCALARS.gOutputSq, 1, 'g_out_sq'), g.dOutput!, [{ offset: 0, length: g.dOutput!.size }]));
    const zInto = (k: number) => op(copyOp(ctx, g.input, this.noise, B * L, 0, k * B * L));
    const gather = op(gatherRowsOp(ctx, real.input, data, rows));
    const dUp = this.updaters.discriminator;
    this.dSteps = Array.from({ length: K }, (_, k) => [
      zInto(k), op(copyOp(ctx, rows, this.indices, B, 0, k * B)), gather,
      ...g.forward, ...real.forward, ...fake.forward, lossReal, lossFake,
      ...real.backward, ...fake.backward, addFake, ...dUp.preUpdate,
    ]);
    this.gStep = [zInto(K), ...g.forward, ...fake.forward, lossG, ...fake.backward, gOutSq, ...g.backward, ...this.updaters.generator.preUpdate];

    const bytes = [dUp.diag.bytes, this.updaters.generator.diag.bytes, SCALARS.bytes];
    this.record = ctx.device.createBuffer({ label: 'gan.record', size: bytes[0] + bytes[1] + bytes[2], usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.ring = new ReadbackRing(ctx.device, this.record.size, IN_FLIGHT, 'gan.diagnostics') // a slot per step the loop keeps in flight, as the Trainer's;
  }

  onStep(listener: (r: GanStepRecord) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }

  /** Learning rate of one network's optimizer, from the next step on. */
  setLearningRate(net: NetName, lr: number): void {
    if (!(lr > 0 && Number.isFinite(lr))) throw new Error(`optimizer_${net[0]}.lr: expected a positive number, got ${lr}`);
    (net === 'generator' ? this.spec.optimizer_g : this.spec.optimizer_d).lr = lr;
    this.updaters[net].setLearningRate(lr);
  }

  /** Records and submits one adversarial step. Never waits for the GPU. */
  runStep(): void {
    if (this.stopped) throw new Error(`training stopped at step ${this.stopped.step}: non-finite values in ${this.stopped.where}`);
    const K = this.spec.gan.d_steps;
    const rows = new Uint32Array(K * this.spec.batch_size);
    for (let k = 0; k < K; k++) rows.set(this.batcher.next(), k * this.spec.batch_size);
    this.recordStep(this.drawNoise(this.noise.size), rows, true);
  }

  /**
   * One D loss and one G loss in training mode on noise z [B, latent] and training rows `rows`
   * (the real batch), with the current weights and no update in between: every parameter's
   * gradient (D's from the D loss, G's from the G loss, flat as the parameters) and both losses.
   */
  async gradientsOn(z: Float32Array, rows: Uint32Array): Promise<{ dLoss: number; gLoss: number; grads: Record<NetName, Float32Array> }> {
    const { batch_size: B, gan } = this.spec;
    if (rows.length !== B || z.length !== B * gan.latent) throw new Error(`gradientsOn: expected ${B} rows and ${B} × ${gan.latent} noise values, got ${rows.length} and ${z.length}`);
    const noise = new Float32Array(this.noise.size);
    for (let k = 0; k <= gan.d_steps; k++) noise.set(z, k * z.length); // the same z for the D and the G step
    const indices = new Uint32Array(this.indices.size);
    for (let k = 0; k < gan.d_steps; k++) indices.set(rows, k * B); // the same real rows for every D step
    this.recordStep(noise, indices, false);
    const [scalars, g, d] = await Promise.all([this.scalars.download(), this.nets.generator.grads.download(), this.nets.discriminator.grads.download()]);
    return { dLoss: scalars[SCALARS.real] + scalars[SCALARS.fake], gLoss: scalars[SCALARS.generator], grads: { generator: g as Float32Array, discriminator: d as Float32Array } };
  }

  private drawNoise(n: number): Float32Array {
    const z = new Float32Array(n);
    const rng = this.noiseRng;
    for (let i = 0; i < n; i++) z[i] = this.spec.gan.noise === 'gaussian' ? rng.normal() : rng.uniform(-1, 1);
    return z;
  }

  private recordStep(noise: Float32Array, rows: Uint32Array, update: boolean): void {
    const t = this.step + 1;
    const { ctx, spec, updaters } = this;
    const K = spec.gan.d_steps;
    write(this.noise, noise);
    write(this.indices, rows);
    const dropSeed = Math.floor(this.dropoutRng.next() * 2 ** 32);
    for (const g of Object.values(this.graphs)) for (const d of g.dropout) d.setSeed(dropSeed);
    updaters.discriminator.setStep(t, (t - 1) * K + 1);
    updaters.generator.setStep(t);
    const log = update && logsStep(t, spec.log_every);
    const encoder = ctx.device.createCommandEncoder({ label: `gan step ${t}` });
    const frozen = spec.gan.freeze_generator_after !== undefined && t > spec.gan.freeze_generator_after;
    if (this.profiler) {
      // As the Trainer's: one pass per kernel with timestamps, no diagnostics.
      const ops = this.dSteps.flatMap((o, k) => (update ? [...o, updaters.discriminator.updates[k]] : o));
      ops.push(...this.gStep, ...(update && !frozen ? updaters.generator.updates : []));
      const after = this.profiler.record(encoder, ops);
      ctx.device.queue.submit([encoder.finish()]);
      after();
      if (update) this.step = t;
      return;
    }
    this.dSteps.forEach((ops, k) => updaters.discriminator.record(encoder, ops, { log: log && k === K - 1, update, i: k, label: `discriminator step ${k + 1}` }));
    updaters.generator.record(encoder, this.gStep, { log, update: update && !frozen, label: 'generator step' });
    let afterSubmit: (() => void) | null = null;
    if (log) {
      const [d, g] = [updaters.discriminator.diag, updaters.generator.diag];
      encoder.copyBufferToBuffer(d.buffer, 0, this.record, 0, d.bytes);
      encoder.copyBufferToBuffer(g.buffer, 0, this.record, d.bytes, g.bytes);
      encoder.copyBufferToBuffer(this.scalars.buffer, this.scalars.offset, this.record, d.bytes + g.bytes, SCALARS.bytes);
      afterSubmit = this.ring.record(encoder, this.record, (data) => this.deliver(parseGanRecord(data, t, d, g)));
    }
    ctx.device.queue.submit([encoder.finish()]);
    afterSubmit?.();
    if (update) this.step = t;
  }

  private deliver(r: GanStepRecord): void {
    if (r.nonFinite && !this.stopped) this.stopped = r.nonFinite;
    for (const l of this.listeners) l(r);
  }

  /** G(z) in eval mode (batch norm on running statistics, no dropout) for n fresh noise rows. */
  async sample(n: number, seed = 0x5a3): Promise<{ z: Float32Array; x: Float32Array }> {
    const rng = new Rng(seed);
    const z = Float32Array.from({ length: n * this.spec.gan.latent }, () => (this.spec.gan.noise === 'gaussian' ? rng.normal() : rng.uniform(-1, 1)));
    return { z, x: await this.predict('generator', z) };
  }

  /** A network's outputs in eval mode: G(z) for z rows, D's logits for sample rows. */
  predict(net: NetName, x: Float32Array): Promise<Float32Array> {
    const n = this.nets[net];
    this.inference[net] ??= new Inference(this.ctx, n.model, n.params, n.states);
    return this.inference[net].predict(x);
  }

  /** Per-kernel GPU timing of every step while set (see Profiler); null: off. */
  profiler: Profiler | null = null;

  startProfiling(): Profiler {
    this.profiler ??= new Profiler(this.ctx, this.dSteps.reduce((a, o) => a + o.length + 1, 0) + this.gStep.length + 1);
    return this.profiler;
  }

  stopProfiling(): void {
    this.profiler?.destroy();
    this.profiler = null;
  }

  readyToLog(): Promise<void> {
    return readyForStep(this.step + 1, this.spec.log_every, this.ring, this.profiler);
  }

  flush(): Promise<void> {
    return this.ring.flush();
  }

  get droppedReadbacks(): number {
    return this.ring.dropped;
  }

  /** Releases every GPU resource; safe on a partly built trainer and when called twice. */
  dispose(): void {
    this.stopProfiling();
    this.ring?.destroy();
    for (const u of Object.values(this.updaters)) u.dispose();
    for (const o of this.ops) o.dispose();
    for (const g of Object.values(this.graphs)) g.dispose();
    for (const i of Object.values(this.inference)) i.dispose();
    for (const n of Object.values(this.nets)) n.dispose();
    for (const t of this.owned) t.dispose();
    this.record?.destroy();
    this.updaters = {} as Record<NetName, Updater>;
    this.ops = [];
    this.owned = [];
    this.inference = {};
    (this as { graphs: object }).graphs = {};
    (this as { nets: object }).nets = {};
  }
}
