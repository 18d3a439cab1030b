// Reliability guarantees of the engine, each tested so it fails without the behaviour:
// rejected checkpoints change nothing; models too big for the device are refused before any
// allocation, naming the layer and the limit; non-finite steps stop training with the parameters
// from before the bad step; no GPU buffers leak across 200 rebuilds and 1,000 steps; the same seed
// gives bit-identical parameters after 100 steps, and a saved-and-resumed run continues
// bit-identically.
import { describe, expect, it } from 'vitest';
import { GpuLimitError } from '../../src/gpu/buffers';
import { loadCheckpoint, saveCheckpoint } from '../../src/engine/checkpoint';
import { makeToyDataset, type Dataset } from '../../src/engine/data';
import { trainSteps } from '../../src/engine/loop';
import { f32Tensor, readSafetensors, SafetensorsError, writeSafetensors } from '../../src/engine/safetensors';
import { parseSpec, type Spec } from '../../src/engine/spec';
import { Trainer } from '../../src/engine/trainer';
import { useGpu } from '../gpu';

const spec = (extra: Record<string, unknown> = {}, layers?: unknown[]): Spec => parseSpec({
  model: { input: 2, layers: layers ?? [{ type: 'dense', units: 12 }, { type: 'batchnorm' }, { type: 'activation', fn: 'tanh' }, { type: 'dropout', p: 0.1 }, { type: 'dense', units: 3 }] },
  loss: 'cross_entropy', optimizer: { type: 'adam', lr: 0.01 }, data: { name: 'spiral', classes: 3, samples: 300 }, batch_size: 16, seed: 11, log_every: 5, ...extra,
});
const same = (a: ArrayBufferView, b: ArrayBufferView) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

describe('engine reliability', () => {
  const gpu = useGpu();
  const data = (s: Spec): Dataset => makeToyDataset(s.data, s.seed);

  it('rejects malformed checkpoints with a specific message and leaves the model unchanged', async () => {
    const s = spec();
    const t = new Trainer(gpu(), s, data(s));
    try {
      const good = await saveCheckpoint(t);
      const { tensors, metadata } = readSafetensors(good);
      const before = await t.params.download();
      const without = { ...tensors };
      delete without['layers.4.bias'];
      const cases: [Uint8Array, RegExp][] = [
        [writeSafetensors(without, metadata), /missing tensor layers\.4\.bias \[3\]/],
        [writeSafetensors({ ...tensors, 'layers.9.weight': f32Tensor([1], Float32Array.of(1)) }, metadata), /tensor layers\.9\.weight is not part of this model/],
        [writeSafetensors({ ...tensors, 'layers.0.weight': f32Tensor([2, 12], new Float32Array(24)) }, metadata), /layers\.0\.weight: shape \[2,12\] does not match the model's \[12,2\]/],
        [writeSafetensors({ ...tensors, 'layers.0.bias': { dtype: 'I32', shape: [12], data: new Uint8Array(48) } }, metadata), /layers\.0\.bias: dtype I32, expected F32/],
        [good.subarray(0, good.length - 4), /truncated/],
      ];
      for (const [bytes, message] of cases) {
        expect(() => loadCheckpoint(t, bytes)).toThrow(SafetensorsError);
        expect(() => loadCheckpoint(t, bytes)).toThrow(message);
      }
      expect(same(await t.params.download(), before)).toBe(true);
    } finally {
      t.dispose();
    }
  });

  it('refuses a layer too large for the device before allocating anything, then builds the next small model', () => {
    const ctx = gpu();
    const before = ctx.pool.counts;
    const big = spec({ batch_size: 65536 }, [{ type: 'dense', units: 65536 }, { type: 'dense', units: 3 }]);
    expect(() => new Trainer(ctx, big, data(big))).toThrow(GpuLimitError);
    expect(() => new Trainer(ctx, big, data(big))).toThrow(/^model\.layers\[0\] \(dense, batch 65536 × 65536\): 16\.0 GiB \(17179869184 bytes\) exceeds (maxBufferSize|maxStorageBufferBindingSize)/);
    expect(ctx.pool.counts).toEqual(before);
    const small = spec();
    new Trainer(ctx, small, data(small)).dispose();
  });

  it('a learning rate of 1e6 stops training at the first non-finite step, names where, and keeps the parameters from before it', async () => {
    const s = spec({ loss: 'mse', optimizer: { type: 'sgd', lr: 1e6 }, data: { name: 'regression', samples: 300 }, log_every: 1 },
      [{ type: 'dense', units: 8 }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 1 }]);
    const t = new Trainer(gpu(), s, data(s));
    try {
      let snapshot = await t.params.download();
      let badStep = 0;
      for (let step = 1; step <= 60; step++) {
        await trainSteps(t, 1, { inFlight: 1 });
        if (t.stopped) { badStep = step; break; }
        snapshot = await t.params.download();
      }
      expect(t.stopped, 'lr 1e6 should blow up within 60 steps').not.toBeNull();
      expect(t.stopped!.step).toBe(badStep);
      expect(t.stopped!.where).toMatch(/^(output of layers\.\d \(\w+\)|gradient of layers\.\d\.\w+)$/);
      expect(same(await t.params.download(), snapshot)).toBe(true);
      expect(() => t.runStep()).toThrow(/training stopped at step \d+: non-finite values in/);
    } finally {
      t.dispose();
    }
  });

  it('a NaN in the data stops training at step 1 in the first layer, with the initial parameters kept', async () => {
    const s = spec({ log_every: 1 });
    const d = data(s);
    d.train.x.fill(NaN);
    const t = new Trainer(gpu(), s, d);
    try {
      const before = await t.params.download();
      await trainSteps(t, 3, { inFlight: 1 });
      expect(t.stopped).toEqual({ step: 1, where: 'output of layers.0 (dense)' });
      expect(same(await t.params.download(), before)).toBe(true);
    } finally {
      t.dispose();
    }
  });

  it('leaks no GPU buffers over 200 rebuilds and 1,000 steps', async () => {
    const ctx = gpu();
    const s = spec({ log_every: 10 });
    const d = data(s);
    const warm = new Trainer(ctx, s, d);
    await trainSteps(warm, 20);
    await warm.evaluate();
    warm.dispose();
    const after = ctx.pool.counts;
    for (let i = 0; i < 200; i++) new Trainer(ctx, s, d).dispose();
    const t = new Trainer(ctx, s, d);
    await trainSteps(t, 1000);
    await t.evaluate();
    t.dispose();
    expect(ctx.pool.counts).toEqual(after);
  });

  it('gives bit-identical parameters after 100 steps for the same seed, and resumes bit-identically', async () => {
    const s = spec({ steps: 100 });
    const d = data(s);
    const a = new Trainer(gpu(), s, d);
    const b = new Trainer(gpu(), s, d);
    const c = new Trainer(gpu(), s, d);
    try {
      await trainSteps(a, 100);
      await trainSteps(b, 100);
      expect(same(await a.params.download(), await b.params.download())).toBe(true);
      // c trains 40 steps, is saved, a fresh trainer resumes from the files and trains 60 more.
      await trainSteps(c, 40);
      const model = await saveCheckpoint(c);
      const state = await c.saveTrainingState();
      c.dispose();
      const r = new Trainer(gpu(), { ...s, seed: 999 }, d); // different seed: everything must come from the files
      try {
        loadCheckpoint(r, model);
        r.loadTrainingState(state);
        await trainSteps(r, 60);
        expect(r.step).toBe(100);
        expect(same(await r.params.download(), await a.params.download())).toBe(true);
      } finally {
        r.dispose();
      }
    } finally {
      a.dispose();
      b.dispose();
    }
  });
});
