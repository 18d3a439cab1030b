// Weight-normalised dense layers in the engine (the kernels: tests/kernels/weight_norm.test.ts;
// whole-net gradients: tests/engine/trainer.test.ts): the spec's fields and their errors; names
// and shapes as torch.nn.utils.weight_norm's (layers.i.weight_g [out, 1], layers.i.weight_v
// [out, in]) in the model, checkpoints and diagnostics; g = ‖v‖ at init, so the net computes what
// the plain one does; the data-dependent init gives each layer's pre-activations mean 0 and std 1
// on its batch; a zero row of v is refused at init and, from a checkpoint, stops training naming
// the layer with the parameters kept.
import { describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../../src/engine/checkpoint';
import { makeToyDataset } from '../../src/engine/data';
import { paramView } from '../../src/engine/graph';
import { trainSteps } from '../../src/engine/loop';
import { readSafetensors } from '../../src/engine/safetensors';
import { parseSpec, SpecError } from '../../src/engine/spec';
import type { StepRecord } from '../../src/engine/diagnostics';
import { Trainer } from '../../src/engine/trainer';
import { write } from '../../src/gpu/tensor';
import { expectClose } from '../reference';
import { useGpu } from '../gpu';

const dense = (units: number, wn: Record<string, unknown> = { weight_norm: true }) => ({ type: 'dense', units, init: 'he_normal', ...wn });
const specOf = (layers: unknown[], extra: Record<string, unknown> = {}) => parseSpec({
  model: { input: 2, layers }, loss: 'cross_entropy', optimizer: { type: 'adam', lr: 0.01 },
  data: { name: 'spiral', classes: 3, samples: 400 }, batch_size: 24, seed: 3, log_every: 1, ...extra,
});
const net = (wn?: Record<string, unknown>) => [dense(9, wn), { type: 'activation', fn: 'tanh' }, dense(7, wn), { type: 'batchnorm' }, { type: 'activation', fn: 'relu' }, dense(3, wn)];

describe('weight norm in the engine', () => {
  const gpu = useGpu();

  it('spec: weight_norm and weight_norm_init are checked and named', () => {
    const layer = (l: Record<string, unknown>) => specOf([{ type: 'dense', units: 3, ...l }]).model.layers[0];
    expect(layer({ weight_norm: true })).toEqual({ type: 'dense', units: 3, init: 'glorot_uniform', bias: true, weight_norm: true });
    expect(layer({ weight_norm: true, weight_norm_init: 'data' })).toMatchObject({ weight_norm: true, weight_norm_init: 'data' });
    expect(layer({ weight_norm: false })).not.toHaveProperty('weight_norm');
    expect(() => layer({ weight_norm: 1 })).toThrow('model.layers[0].weight_norm: expected true or false, got 1');
    expect(() => layer({ weight_norm_init: 'data' })).toThrow('model.layers[0].weight_norm_init: expected no weight_norm_init (only with weight_norm: true), got "data"');
    expect(() => layer({ weight_norm: true, weight_norm_init: 'lsuv' })).toThrow('model.layers[0].weight_norm_init: expected one of norm, data, got "lsuv"');
  });

  it('a zero row of weight_v at init is refused naming the layer (identity init with more units than inputs, zeros)', () => {
    const s = specOf([{ type: 'dense', units: 3, init: 'identity', weight_norm: true }]);
    expect(() => new Trainer(gpu(), s, makeToyDataset(s.data, 1))).toThrow(SpecError);
    expect(() => new Trainer(gpu(), s, makeToyDataset(s.data, 1))).toThrow('model.layers[0].init: expected an initialiser that gives every row of layers.0.weight_v [3,2] a non-zero norm with weight_norm (row 2 is zero), got "identity"');
    const z = specOf([{ type: 'dense', units: 3, init: 'zeros', weight_norm: true }]);
    expect(() => new Trainer(gpu(), z, makeToyDataset(z.data, 1))).toThrow(/^model\.layers\[0\]\.init: .*\(row 0 is zero\), got "zeros"$/);
  });

  it('names, shapes and checkpoints follow torch.nn.utils.weight_norm; g = ‖v‖ at init, so outputs equal the plain net\'s', async () => {
    const s = specOf(net());
    const plainSpec = specOf(net({}));
    const data = makeToyDataset(s.data, s.seed);
    const t = new Trainer(gpu(), s, data);
    const plain = new Trainer(gpu(), plainSpec, data);
    try {
      expect(t.model.params.map((p) => `${p.name} [${p.shape}]`)).toEqual([
        'layers.0.weight_g [9,1]', 'layers.0.weight_v [9,2]', 'layers.0.bias [9]',
        'layers.2.weight_g [7,1]', 'layers.2.weight_v [7,9]', 'layers.2.bias [7]', 'layers.3.weight [7]', 'layers.3.bias [7]',
        'layers.5.weight_g [3,1]', 'layers.5.weight_v [3,7]', 'layers.5.bias [3]',
      ]);
      const flat = await t.params.download();
      const flatPlain = await plain.params.download();
      for (const p of t.model.params.filter((q) => q.role === 'weight')) {
        const q = plain.model.params.find((x) => x.name === p.name.replace('weight_v', 'weight'))!;
        expect(Array.from(flat.subarray(p.offset, p.offset + p.size))).toEqual(Array.from(flatPlain.subarray(q.offset, q.offset + q.size))); // v = the plain weight
        const g = t.model.params.find((x) => x.layer === p.layer && x.role === 'gain')!;
        const [rows, cols] = p.shape;
        const norms = Array.from({ length: rows }, (_, r) => Math.hypot(...flat.subarray(p.offset + r * cols, p.offset + (r + 1) * cols)));
        expectClose(flat.subarray(g.offset, g.offset + rows), norms, { atol: 0, rtol: 1e-6 }, `${g.name} = ‖v‖`);
      }
      const x = data.test.x.subarray(0, 2 * 50);
      expectClose(await t.predict(x), await plain.predict(x), { atol: 1e-5, rtol: 1e-5 }, 'outputs of the weight-normalised net at init vs the plain net');

      await trainSteps(t, 3);
      const file = await saveCheckpoint(t);
      const { tensors } = readSafetensors(file);
      expect(Object.keys(tensors).filter((n) => n.startsWith('layers.0.')).sort()).toEqual(['layers.0.bias', 'layers.0.weight_g', 'layers.0.weight_v']);
      expect(tensors['layers.0.weight_g'].shape).toEqual([9, 1]);
      const other = new Trainer(gpu(), s, data);
      try {
        loadCheckpoint(other, file);
        other.step = t.step;
        expect(Buffer.from(await saveCheckpoint(other)).equals(Buffer.from(file))).toBe(true);
      } finally {
        other.dispose();
      }
    } finally {
      t.dispose();
      plain.dispose();
    }
  });

  it('diagnostics: norms and update ratios for weight_g and weight_v; histograms one per layer (weight_v)', async () => {
    const s = specOf(net());
    const t = new Trainer(gpu(), s, makeToyDataset(s.data, s.seed));
    try {
      const records: StepRecord[] = [];
      t.onStep((r) => records.push(r));
      await trainSteps(t, 2);
      const r = records[1];
      for (const name of ['layers.0.weight_g', 'layers.0.weight_v', 'layers.5.weight_g']) {
        const p = r.params.find((q) => q.name === name)!;
        expect(p.gradNorm).toBeGreaterThan(0);
        expect(p.updateRatio).toBeGreaterThan(0);
        expect(p.weightNorm).toBeGreaterThan(0);
      }
      expect(r.histograms.map((h) => h.name)).toEqual(['layers.0.weight_v', 'layers.2.weight_v', 'layers.5.weight_v']);
    } finally {
      t.dispose();
    }
  });

  it('weight_norm_init "data": every such layer\'s pre-activations have mean 0 and std 1 per unit on the first batch', async () => {
    const s = specOf(net({ weight_norm: true, weight_norm_init: 'data' }), { batch_size: 40 });
    const data = makeToyDataset(s.data, s.seed);
    expect(() => new Trainer(gpu(), s, data).runStep()).toThrow('weight_norm_init "data" has not run: build the trainer with Trainer.create');
    const t = await Trainer.create(gpu(), s, data);
    try {
      const states = await t.states.download();
      expect(Array.from(states.subarray(0, 7))).toEqual(new Array(7).fill(0)); // running_mean reset after the init passes
      await t.gradientsOn(Uint32Array.from({ length: 40 }, (_, i) => i));
      for (const prefix of ['layers.0', 'layers.2', 'layers.5']) {
        const node = t.graph.nodes.find((n) => n.layer.prefix === prefix)!;
        const z = await node.output.download();
        const units = node.layer.outWidth;
        for (let u = 0; u < units; u++) {
          const col = Array.from({ length: 40 }, (_, r) => z[r * units + u]);
          const mean = col.reduce((a, b) => a + b, 0) / 40;
          const sd = Math.sqrt(col.reduce((a, b) => a + (b - mean) ** 2, 0) / 40);
          expect(Math.abs(mean), `${prefix} unit ${u} mean`).toBeLessThan(1e-5);
          expect(Math.abs(sd - 1), `${prefix} unit ${u} std`).toBeLessThan(1e-4);
        }
      }
    } finally {
      t.dispose();
    }
  });

  it('building and disposing weight-normalised trainers (training and inference graphs, data init) leaks no GPU buffer', async () => {
    const ctx = gpu();
    const s = specOf(net({ weight_norm: true, weight_norm_init: 'data' }));
    const data = makeToyDataset(s.data, s.seed);
    const cycle = async () => {
      const t = await Trainer.create(ctx, s, data);
      await trainSteps(t, 2);
      await t.predict(data.test.x.subarray(0, 20));
      t.dispose();
    };
    await cycle(); // pipelines and pool size classes warmed up
    const before = ctx.pool.counts;
    for (let i = 0; i < 10; i++) await cycle();
    expect(ctx.pool.counts).toEqual(before);
  });

  it('a zero row of weight_v from a checkpoint makes that layer\'s output NaN (as PyTorch): training stops at step 1 naming it, parameters kept', async () => {
    const s = specOf(net());
    const t = new Trainer(gpu(), s, makeToyDataset(s.data, s.seed));
    try {
      const v = t.model.params.find((p) => p.name === 'layers.2.weight_v')!;
      write(paramView(gpu(), t.params.buffer, v), new Float32Array(v.size).fill(0.5).fill(0, 9, 18)); // row 1
      const before = await t.params.download();
      await trainSteps(t, 3, { inFlight: 1 });
      expect(t.stopped).toEqual({ step: 1, where: 'output of layers.2 (dense)' });
      expect(Buffer.from((await t.params.download()).buffer).equals(Buffer.from(before.buffer))).toBe(true);
    } finally {
      t.dispose();
    }
  });
});
