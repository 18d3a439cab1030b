// One training step of the trainer equals, bit for bit, the same step composed by hand from the
// separately tested kernels: gather, fused dense+tanh, dense, softmax cross-entropy, the backward
// products, Σg² per tensor, the guard, and one SGD update.
import { describe, expect, it } from 'vitest';
import { zeros, upload, Tensor } from '../../src/gpu/tensor';
import { makeToyDataset } from '../../src/engine/data';
import { trainSteps } from '../../src/engine/loop';
import { parseSpec } from '../../src/engine/spec';
import { Trainer } from '../../src/engine/trainer';
import type { StepRecord } from '../../src/engine/diagnostics';
import { activationBackwardOp } from '../../src/kernels/activations';
import { stepGuardOp } from '../../src/kernels/clip';
import { biasGradOp, matmulOp } from '../../src/kernels/matmul';
import { softmaxCrossEntropyOp } from '../../src/kernels/losses';
import { createOptimizerState, optimizerStepOp } from '../../src/kernels/optimizers';
import { sumSquaresOp } from '../../src/kernels/reduce';
import { useGpu } from '../gpu';

describe('a training step', () => {
  const gpu = useGpu();

  it('equals the step composed from the tested kernels, bit for bit', async () => {
    const ctx = gpu();
    const spec = parseSpec({
      model: { input: 2, layers: [{ type: 'dense', units: 9 }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 3 }] },
      loss: 'cross_entropy', optimizer: { type: 'sgd', lr: 0.5 }, data: { name: 'spiral', classes: 3, samples: 100 }, batch_size: 7, seed: 4,
    });
    const data = makeToyDataset(spec.data, 4);
    const t = new Trainer(ctx, spec, data);
    const owned: Tensor[] = [];
    const own = <T extends Tensor>(x: T) => (owned.push(x), x);
    try {
      // The trainer's first batch: the batcher is seeded, so a twin trainer reveals the indices.
      const twin = new Trainer(ctx, spec, data);
      const idx = (twin as unknown as { batcher: { next(): Uint32Array } }).batcher.next();
      twin.dispose();
      const flat = await t.params.download();
      const [w0, b0, w1, b1] = t.model.params;
      const view = (buf: Tensor, p: typeof w0) => Tensor.view(ctx, buf.buffer, p.offset * 4, p.shape, 'f32', p.name);
      const params = own(upload(ctx, flat, [flat.length], 'f32', 'params'));
      const grads = own(zeros(ctx, [flat.length], 'f32', 'grads'));
      const x = own(upload(ctx, Array.from(idx).flatMap((i) => Array.from(data.train.x.subarray(2 * i, 2 * i + 2))), [7, 2], 'f32', 'x'));
      const y = own(upload(ctx, Array.from(idx, (i) => data.train.labels[i]), [7], 'i32', 'y'));
      const [z, h, logits, dlogits, dh, dz] = [[7, 9], [7, 9], [7, 3], [7, 3], [7, 9], [7, 9]].map((s) => own(zeros(ctx, s, 'f32', 'act')));
      const [loss, scale] = [own(zeros(ctx, [1], 'f32', 'loss')), own(zeros(ctx, [1], 'f32', 'scale'))];
      const [sq, flag] = [own(zeros(ctx, [4], 'f32', 'sq')), own(zeros(ctx, [4], 'u32', 'flag'))];
      const state = createOptimizerState(ctx, spec.optimizer, flat.length, 'opt');
      const ops = [
        matmulOp(ctx, h, x, view(params, w0), { transB: true, bias: view(params, b0), activation: 'tanh', preactivation: z }),
        matmulOp(ctx, logits, h, view(params, w1), { transB: true, bias: view(params, b1) }),
        softmaxCrossEntropyOp(ctx, { loss, dlogits }, logits, y),
        matmulOp(ctx, view(grads, w1), dlogits, h, { transA: true }),
        biasGradOp(ctx, view(grads, b1), dlogits),
        matmulOp(ctx, dh, dlogits, view(params, w1)),
        activationBackwardOp(ctx, dz, dh, z, h, 'tanh'),
        matmulOp(ctx, view(grads, w0), dz, x, { transA: true }),
        biasGradOp(ctx, view(grads, b0), dz),
        sumSquaresOp(ctx, sq, grads, t.model.params.map((p) => ({ offset: p.offset, length: p.size }))),
        stepGuardOp(ctx, { scale, flag }, sq, null),
        optimizerStepOp(ctx, spec.optimizer, params, grads, state, { gradScale: scale }),
      ];
      ctx.submit(ops);
      await trainSteps(t, 1);
      expect(Buffer.from((await t.params.download()).buffer).equals(Buffer.from((await params.download()).buffer))).toBe(true);
      expect(Buffer.from((await t.grads.download()).buffer).equals(Buffer.from((await grads.download()).buffer))).toBe(true);
      for (const o of ops) o.dispose();
      state.dispose();
    } finally {
      for (const o of owned) o.dispose();
      t.dispose();
    }
  });

  it('trainSteps delivers a diagnostics record for every step that logs, in order, none dropped', async () => {
    // 60 steps logging every step, with up to 8 in flight: more records than readback slots, so
    // without waiting for a free slot most of them would be skipped.
    const ctx = gpu();
    const spec = parseSpec({
      model: { input: 2, layers: [{ type: 'dense', units: 8 }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 3 }] },
      loss: 'cross_entropy', optimizer: { type: 'adam', lr: 0.01 }, data: { name: 'spiral', classes: 3, samples: 100 }, batch_size: 16, seed: 2, log_every: 1,
    });
    const t = new Trainer(ctx, spec, makeToyDataset(spec.data, 2));
    try {
      const steps: number[] = [];
      t.onStep((r) => steps.push(r.step));
      await trainSteps(t, 60);
      expect(steps).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
      expect(t.droppedReadbacks).toBe(0);
    } finally {
      t.dispose();
    }
  });

  it("a step's record has each tensor's gradient norm, weight norm and update/weight ratio, against float64 from the buffers", async () => {
    // Adam moves every weight by about lr, so the update is far from zero and not proportional
    // to the gradient: a swapped or misplaced field shows.
    const ctx = gpu();
    const spec = parseSpec({
      model: { input: 2, layers: [{ type: 'dense', units: 11 }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 5 }, { type: 'batchnorm' }, { type: 'dense', units: 3 }] },
      loss: 'cross_entropy', optimizer: { type: 'adam', lr: 0.05 }, data: { name: 'spiral', classes: 3, samples: 100 }, batch_size: 9, seed: 8, log_every: 1,
    });
    const t = new Trainer(ctx, spec, makeToyDataset(spec.data, 8));
    try {
      await trainSteps(t, 2);
      const before = await t.params.download();
      const records: StepRecord[] = [];
      t.onStep((r) => records.push(r));
      await trainSteps(t, 1);
      const [after, grads] = [await t.params.download(), await t.grads.download()];
      const norm = (f: (i: number) => number, n: number) => Math.sqrt(Array.from({ length: n }, (_, i) => f(i) ** 2).reduce((a, b) => a + b, 0));
      expect(records.map((r) => r.step)).toEqual([3]);
      const got = records[0].params;
      expect(got.map((p) => p.name)).toEqual(t.model.params.map((p) => p.name));
      t.model.params.forEach((p, k) => {
        const at = (a: Float32Array) => (i: number) => a[p.offset + i];
        const w = norm(at(after), p.size);
        const want = { gradNorm: norm(at(grads), p.size), weightNorm: w, updateRatio: norm((i) => after[p.offset + i] - before[p.offset + i], p.size) / w };
        for (const key of ['gradNorm', 'weightNorm', 'updateRatio'] as const) expect(got[k][key], `${p.name} ${key}`).toBeCloseTo(want[key], 5);
      });
      expect(records[0].globalGradNorm).toBeCloseTo(norm((i) => grads[i], grads.length), 5);
    } finally {
      t.dispose();
    }
  });

  it("a record's per-layer min, max, mean, std, saturation and dead units equal float64 from the layer outputs (ReLU, tanh and sigmoid layers in one net)", async () => {
    // Biases pushed far out make some units saturate (tanh, sigmoid both ends) or die (ReLU), so
    // the fractions are not all zero and a record that read another layer's slot would differ.
    const ctx = gpu();
    const spec = parseSpec({
      model: { input: 2, layers: [
        { type: 'dense', units: 13 }, { type: 'activation', fn: 'relu' },
        { type: 'dense', units: 7 }, { type: 'activation', fn: 'tanh' },
        { type: 'dense', units: 6 }, { type: 'activation', fn: 'sigmoid' },
        { type: 'dense', units: 5 }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 3 }] },
      loss: 'cross_entropy', optimizer: { type: 'sgd', lr: 1e-6 }, data: { name: 'spiral', classes: 3, samples: 100 }, batch_size: 11, seed: 4, log_every: 1,
    });
    const t = new Trainer(ctx, spec, makeToyDataset(spec.data, 4));
    try {
      const bias = (name: string, values: number[]) => ctx.device.queue.writeBuffer(t.params.buffer, 4 * t.model.params.find((p) => p.name === name)!.offset, Float32Array.from(values));
      bias('layers.0.bias', [-50, 0, -50, 0, 0, -50]); // three dead ReLU units
      bias('layers.2.bias', [8, -8, 0, 9]); // two saturated tanh units
      bias('layers.4.bias', [20, -20, -20]); // three saturated sigmoid units (one high, two low)
      bias('layers.6.bias', [-90]);
      const records: StepRecord[] = [];
      t.onStep((r) => records.push(r));
      await trainSteps(t, 1);
      const layers = records[0].layers;
      expect(layers.map((l) => l.name)).toEqual(t.graph.nodes.map((n) => n.layer.prefix));
      let flagged = 0;
      for (const [i, n] of t.graph.nodes.entries()) {
        const y = Array.from(await n.output.download());
        const w = n.layer.outWidth;
        const mean = y.reduce((a, b) => a + b, 0) / y.length;
        const std = Math.sqrt(y.reduce((a, b) => a + (b - mean) ** 2, 0) / y.length);
        const fraction = (f: (v: number) => boolean) => y.filter(f).length / y.length;
        const fn = n.layer.spec.type === 'activation' ? n.layer.spec.fn : null;
        const saturated = fn === 'tanh' ? fraction((v) => Math.abs(v) > 0.99) : fn === 'sigmoid' ? fraction((v) => Math.abs(v) < 0.01) + fraction((v) => Math.abs(v) > 0.99) : null;
        const columns = Array.from({ length: w }, (_, c) => y.filter((_, k) => k % w === c));
        const dead = fn === 'relu' ? columns.filter((col) => col.every((v) => v <= 0)).length / w : null;
        const l = layers[i];
        expect(l.min, `${l.name} min`).toBe(Math.min(...y));
        expect(l.max, `${l.name} max`).toBe(Math.max(...y));
        // float32 sums of up to a few thousand values: 1e-5 relative to the layer's scale
        const scale = Math.max(1, std, Math.abs(mean));
        expect(Math.abs(l.mean - mean), `${l.name} mean ${l.mean} vs ${mean}`).toBeLessThanOrEqual(1e-5 * scale);
        expect(Math.abs(l.std - std), `${l.name} std ${l.std} vs ${std}`).toBeLessThanOrEqual(1e-5 * scale);
        if (saturated === null) expect(l.saturated, `${l.name} saturated`).toBeNull();
        else expect(l.saturated!, `${l.name} saturated`).toBeCloseTo(saturated, 6);
        expect(l.dead, `${l.name} dead`).toBe(dead);
        flagged += (saturated ?? 0) + (dead ?? 0) > 0 ? 1 : 0;
      }
      expect(flagged).toBe(4); // every activation layer has saturated or dead units
    } finally {
      t.dispose();
    }
  });
});
