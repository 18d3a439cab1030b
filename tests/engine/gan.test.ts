// The GAN trainer on a real adapter. Both losses' gradients, for every generator loss, against
// central finite differences of a float64 forward pass of the two-network step (tests/ref/gan.ts:
// D on the real and on the generated batch in separate training-mode passes; G's loss through D
// into G), on B = 7 and 13 (not tile multiples) with batch norm, layer norm and a residual block
// inside; the diagnostics' adversarial scalars against float64 from the same buffers; a full
// adversarial step equals its parts (D's update from the D-loss gradient, then G's from the
// G-loss gradient under D's new weights); same seed, bit-identical.
import { describe, expect, it } from 'vitest';
import { GanTrainer } from '../../src/engine/gan/trainer';
import type { GanStepRecord } from '../../src/engine/gan/record';
import { makeGanDataset } from '../../src/engine/gan/data';
import { GENERATOR_LOSSES, parseGanSpec, type GeneratorLoss } from '../../src/engine/gan/spec';
import { trainSteps } from '../../src/engine/loop';
import { expectClose, normal, numericGrad } from '../reference';
import { useGpu } from '../gpu';
import { ganLoss, ganLosses, terms, type GanNets } from '../ref/gan';
import type { Params } from '../ref/model';

const NETS = {
  generator: { layers: [{ type: 'dense', units: 6 }, { type: 'layernorm' }, { type: 'activation', fn: 'tanh' }, { type: 'residual', layers: [{ type: 'dense', units: 6 }, { type: 'activation', fn: 'softsign' }] }, { type: 'dense', units: 2 }] },
  discriminator: { layers: [{ type: 'dense', units: 5 }, { type: 'batchnorm' }, { type: 'activation', fn: 'leaky_relu' }, { type: 'dense', units: 4 }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 1 }] },
};

const spec = (loss: GeneratorLoss, extra: Record<string, unknown> = {}) => parseGanSpec({
  gan: { latent: 3, ...NETS, generator_loss: loss }, optimizer: { type: 'sgd', lr: 0.05 },
  data: { name: 'ring', samples: 200, noise: 0.1 }, batch_size: 7, seed: 3, log_every: 1, ...extra,
});

async function paramsOf(t: GanTrainer): Promise<Params> {
  const p: Params = new Map();
  for (const net of ['generator', 'discriminator'] as const) {
    const flat = await t.nets[net].params.download();
    for (const q of t.models[net].params) p.set(q.name, Float64Array.from(flat.subarray(q.offset, q.offset + q.size)));
  }
  return p;
}

function rowsOf(x: Float32Array, rows: Uint32Array): Float64Array {
  const out = new Float64Array(rows.length * 2);
  rows.forEach((r, i) => out.set(x.subarray(2 * r, 2 * r + 2), 2 * i));
  return out;
}

describe('GAN trainer', () => {
  const gpu = useGpu();

  it.each(GENERATOR_LOSSES.flatMap((l) => [[l, 7], [l, 13]] as const))('%s, B=%i: D-loss gradients of D and G-loss gradients of G (through D) match finite differences of float64', async (loss, B) => {
    const s = spec(loss, { batch_size: B });
    const data = makeGanDataset(s.data, 5);
    const t = new GanTrainer(gpu(), s, data);
    try {
      const z = Float32Array.from(normal(B * 11, B * 3));
      const rows = Uint32Array.from({ length: B }, (_, i) => i * 5 + 1);
      const got = await t.gradientsOn(z, rows);
      const p = await paramsOf(t);
      const x = rowsOf(data.train.x, rows);
      const nets64: GanNets = { generator: s.gan.generator.layers, discriminator: s.gan.discriminator.layers };
      const f = () => ganLosses(nets64, loss, p, Float64Array.from(z), x, B);
      expect(got.dLoss).toBeCloseTo(f().dLoss, 4);
      expect(got.gLoss).toBeCloseTo(f().gLoss, 4);
      for (const [net, which] of [['discriminator', 'dLoss'], ['generator', 'gLoss']] as const) {
        for (const q of t.models[net].params) {
          const v = p.get(q.name)!;
          const num = numericGrad((w) => { p.set(q.name, w); const l = f()[which]; p.set(q.name, v); return l; }, v, 1e-5);
          expectClose(got.grads[net].subarray(q.offset, q.offset + q.size), num, { atol: 2e-5, rtol: 2e-3 }, `d ${which} / d ${q.name}`);
        }
      }
    } finally {
      t.dispose();
    }
  });

  it("a step's record holds both networks' per-layer norms and the adversarial scalars, against float64 from the buffers", async () => {
    const s = spec('saturating', { batch_size: 13 });
    const t = new GanTrainer(gpu(), s, makeGanDataset(s.data, 1));
    try {
      const recs: GanStepRecord[] = [];
      t.onStep((r) => recs.push(r));
      await trainSteps(t, 2);
      expect(recs.map((r) => r.step)).toEqual([1, 2]);
      const r = recs[1];
      expect(r.generator.params.map((q) => q.name)).toEqual(t.models.generator.params.map((q) => q.name));
      expect(r.discriminator.params.map((q) => q.name)).toEqual(t.models.discriminator.params.map((q) => q.name));
      expect(r.generator.params[0].name).toBe('generator.layers.0.weight');
      expect(r.discriminator.params[0].name).toBe('discriminator.layers.0.weight');
      // The G step's tensors are still in place: D's logits on G(z), G's output gradient, G's gradients.
      const g = t.graphs;
      const [logits, dOut, gGrads] = [await g.fake.output.download(), await g.generator.dOutput!.download(), await t.nets.generator.grads.download()];
      const term = ganLoss(logits, terms('saturating').generator);
      expect(r.gLoss).toBeCloseTo(term.loss, 5);
      expect(r.dFakeForG).toBeCloseTo(term.value, 5);
      expect(r.gOutputGradNorm).toBeCloseTo(Math.hypot(...dOut), 6);
      for (const [k, q] of t.models.generator.params.entries()) expect(r.generator.params[k].gradNorm).toBeCloseTo(Math.hypot(...gGrads.subarray(q.offset, q.offset + q.size)), 5);
      expect(Array.from(r.generator.logits)).toEqual(Array.from(await g.generator.output.download()));
      expect(r.dLoss).toBeCloseTo(r.dLossReal + r.dLossFake, 6);
      expect(r.dReal).toBeGreaterThan(0);
      expect(r.dReal).toBeLessThan(1);
      expect(r.nonFinite).toBeNull();
    } finally {
      t.dispose();
    }
  });

  it("a frozen generator's log steps: its update norm is 0 and its weight norms are its parameters', while D keeps updating", async () => {
    const s = spec('saturating', { batch_size: 13 });
    s.gan.freeze_generator_after = 1;
    const t = new GanTrainer(gpu(), s, makeGanDataset(s.data, 1));
    try {
      const recs: GanStepRecord[] = [];
      t.onStep((r) => recs.push(r));
      await trainSteps(t, 3);
      const before = await t.nets.generator.params.download();
      await trainSteps(t, 1);
      expect(Array.from(await t.nets.generator.params.download())).toEqual(Array.from(before));
      const r = recs[3];
      expect(r.step).toBe(4);
      for (const [k, q] of t.models.generator.params.entries()) {
        expect(r.generator.params[k].updateRatio, q.name).toBe(0);
        expect(r.generator.params[k].weightNorm).toBeCloseTo(Math.hypot(...before.subarray(q.offset, q.offset + q.size)), 5);
      }
      for (const q of r.discriminator.params) expect(q.updateRatio, q.name).toBeGreaterThan(0);
    } finally {
      t.dispose();
    }
  });

  it("a full adversarial step equals its parts: D's SGD update from the D-loss gradient, then G's from the G-loss gradient under D's new weights", async () => {
    const s = spec('non_saturating', { optimizer: { type: 'sgd', lr: 0.1 } });
    const data = makeGanDataset(s.data, 2);
    const t = new GanTrainer(gpu(), s, data);
    // The twin replays the step's seeded noise and batch from the same seed.
    const twin = new GanTrainer(gpu(), s, data);
    try {
      const B = s.batch_size;
      const internals = (x: GanTrainer) => x as unknown as { drawNoise(n: number): Float32Array; batcher: { next(): Uint32Array } };
      const z = internals(twin).drawNoise(2 * B * s.gan.latent);
      const rows = internals(twin).batcher.next();
      const before = await paramsOf(t);
      await trainSteps(t, 1);
      const after = await paramsOf(t);
      // D part: the D-loss gradient at the initial weights on the D step's noise and batch.
      const dPart = await twin.gradientsOn(z.subarray(0, B * s.gan.latent), rows);
      const lr = 0.1;
      for (const q of twin.models.discriminator.params) {
        const want = Float32Array.from(before.get(q.name)!, (w, i) => w - Math.fround(lr * dPart.grads.discriminator[q.offset + i]));
        expectClose(after.get(q.name)!, want, { atol: 1e-7, rtol: 1e-6 }, `D update of ${q.name}`);
      }
      // G part: the twin's D moved to the trained D, then G's gradient on the G step's noise.
      const dFlat = await t.nets.discriminator.params.download();
      gpu().device.queue.writeBuffer(twin.nets.discriminator.params.buffer, 0, dFlat);
      gpu().device.queue.writeBuffer(twin.nets.discriminator.states.buffer, 0, await t.nets.discriminator.states.download());
      gpu().device.queue.writeBuffer(twin.nets.generator.states.buffer, 0, await t.nets.generator.states.download());
      const gPart = await twin.gradientsOn(z.subarray(B * s.gan.latent), rows);
      for (const q of twin.models.generator.params) {
        const want = Float32Array.from(before.get(q.name)!, (w, i) => w - Math.fround(lr * gPart.grads.generator[q.offset + i]));
        expectClose(after.get(q.name)!, want, { atol: 1e-7, rtol: 1e-6 }, `G update of ${q.name}`);
      }
    } finally {
      t.dispose();
      twin.dispose();
    }
  });

  it("the guard covers both networks: a NaN in D's weights stops training, names where, and neither network is updated", async () => {
    const s = spec('non_saturating');
    const t = new GanTrainer(gpu(), s, makeGanDataset(s.data, 4));
    try {
      await trainSteps(t, 1);
      const w = t.models.discriminator.params.find((p) => p.name === 'discriminator.layers.3.weight')!;
      gpu().device.queue.writeBuffer(t.nets.discriminator.params.buffer, w.offset * 4, new Float32Array([NaN]));
      const before = await paramsOf(t);
      await trainSteps(t, 3);
      expect(t.stopped?.step).toBe(2);
      expect(t.stopped?.where).toMatch(/discriminator\.layers\.3/);
      expect(() => t.runStep()).toThrow(/training stopped at step 2/);
      const after = await paramsOf(t);
      for (const [name, v] of before) expect(Array.from(after.get(name)!), name).toEqual(Array.from(v));
    } finally {
      t.dispose();
    }
  });

  it('dispose returns every pooled buffer (trainer, graphs, inference) and is safe twice', async () => {
    const ctx = gpu();
    const before = ctx.pool.counts.inUse;
    const s = spec('least_squares');
    const t = new GanTrainer(ctx, s, makeGanDataset(s.data, 4));
    await trainSteps(t, 3);
    const { x } = await t.sample(11);
    expect((await t.predict('discriminator', x)).length).toBe(11);
    t.dispose();
    t.dispose();
    expect(ctx.pool.counts.inUse).toBe(before);
  });

  it('same seed: bit-identical parameters and records after 6 steps with d_steps 2 and Adam', async () => {
    const s = spec('least_squares', { optimizer: { type: 'adam', lr: 0.01, beta1: 0.5 }, gan: { latent: 3, ...NETS, generator_loss: 'least_squares', d_steps: 2 } });
    const run = async () => {
      const t = new GanTrainer(gpu(), s, makeGanDataset(s.data, 9));
      try {
        const losses: number[] = [];
        t.onStep((r) => losses.push(r.dLoss, r.gLoss, r.gOutputGradNorm));
        await trainSteps(t, 6);
        const p = await paramsOf(t);
        return { losses, bytes: [...p.values()].flatMap((v) => Array.from(Float32Array.from(v))) };
      } finally {
        t.dispose();
      }
    };
    const [a, b] = [await run(), await run()];
    expect(a.losses.length).toBe(18);
    expect(b.losses).toEqual(a.losses);
    expect(b.bytes).toEqual(a.bytes);
  });
});
