// `gradscope export` of a GAN spec against `gradscope train`: the exported train.py draws the same
// noise z (gradscope's seeded CPU stream, ported), the same real batches and starts from the same
// weights, so its metrics.jsonl matches gradscope's step by step: D's and G's losses, D(x),
// D(G(z)) before and after D's update, ‖∂L_G/∂G(z)‖ and both networks' per-tensor gradient and
// weight norms. Two specs cover the three generator losses' code paths (saturating;
// least_squares), d_steps 2, batch norm in D, Adam / SGD / AdamW, both clips, uniform and
// Gaussian noise and freeze_generator_after; checkpoints go both ways; bad weights are refused.
// Tolerances: float32 on two engines, different summation orders, and Adam's normalisation
// amplifying rounding step by step. Measured over these 6 steps: the scalars ≤ 2e-6 relative
// (saturating) and ≤ 6e-5 (least squares: D values are raw logits near 0), step 1 ≤ 6e-6; tensor
// gradient norms ≤ 1.2e-4; asserted at 2e-4 (+1e-6 absolute) and 1e-3.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportGan } from '../../src/cli/export_gan';
import { trainGan } from '../../src/cli/gan';
import { validateGanCheckpoint } from '../../src/engine/gan/checkpoint';
import { makeGanDataset } from '../../src/engine/gan/data';
import type { GanStepRecord } from '../../src/engine/gan/record';
import { describeGan, parseGanSpec } from '../../src/engine/gan/spec';
import { f32Tensor, writeSafetensors } from '../../src/engine/safetensors';
import { useGpu } from '../gpu';
import { py, python, scratch as dir, skipReason } from './python';
import { ownLines, runCli } from './run';

const base = { batch_size: 16, steps: 6, log_every: 1, data: { name: 'ring', samples: 48, noise: 0.1 } }; // 48 rows: epochs wrap inside the run
const SPECS: Record<string, object> = {
  'saturating, d_steps 2, batch norm in D, adam / sgd, clip_d global norm, clip_g value, uniform z': {
    ...base, seed: 5,
    gan: {
      latent: 3, noise: 'uniform', generator_loss: 'saturating', d_steps: 2,
      generator: { layers: [{ type: 'dense', units: 12 }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 2 }] },
      discriminator: { layers: [{ type: 'dense', units: 10, bias: false }, { type: 'batchnorm' }, { type: 'activation', fn: 'leaky_relu' }, { type: 'dense', units: 1 }] },
    },
    optimizer_d: { type: 'adam', lr: 0.01, beta1: 0.5 }, optimizer_g: { type: 'sgd', lr: 0.05, momentum: 0.9 },
    clip_d: { global_norm: 0.5 }, clip_g: { value: 0.01 },
  },
  'least squares, adamw, layer norm in G, gaussian z, generator frozen after step 3': {
    ...base, seed: 2,
    gan: {
      latent: 2, noise: 'gaussian', generator_loss: 'least_squares', freeze_generator_after: 3,
      generator: { layers: [{ type: 'dense', units: 9 }, { type: 'layernorm' }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 2 }] },
      discriminator: { layers: [{ type: 'dense', units: 8 }, { type: 'activation', fn: 'elu' }, { type: 'dense', units: 1 }] },
    },
    optimizer: { type: 'adamw', lr: 0.02, weight_decay: 0.01 },
  },
};

type Line = Omit<GanStepRecord, 'generator' | 'discriminator'> & Pick<GanStepRecord, 'generator' | 'discriminator'>;
const lines = (file: string): Line[] => readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Line);
const SCALARS = ['dLoss', 'dLossReal', 'dLossFake', 'gLoss', 'dReal', 'dFake', 'dFakeForG', 'gOutputGradNorm'] as const;

function expectSameGanRun(ours: Line[], theirs: Line[]): void {
  expect(theirs.map((r) => r.step)).toEqual(ours.map((r) => r.step));
  ours.forEach((a, i) => {
    const b = theirs[i];
    for (const k of SCALARS) expect(Math.abs(a[k] - b[k]), `step ${a.step}: ${k} ${a[k]} vs ${b[k]}`).toBeLessThan(2e-4 * Math.abs(a[k]) + 1e-6);
    for (const net of ['discriminator', 'generator'] as const) {
      const theirsBy = new Map(b[net].params.map((p) => [p.name, p]));
      expect([...theirsBy.keys()].sort()).toEqual(a[net].params.map((p) => p.name).sort());
      for (const p of a[net].params) {
        const q = theirsBy.get(p.name)!;
        expect(Math.abs(p.gradNorm - q.gradNorm), `step ${a.step}: ${p.name} grad norm`).toBeLessThan(1e-3 * p.gradNorm + 1e-6 * a[net].globalGradNorm);
        // Absolute slack for tensors whose gradient is pure rounding: G's last bias before a batch
        // norm in D gets Σ over the batch of ∂L/∂G(z), which the batch norm makes exactly 0.
        expect(Math.abs(p.weightNorm - q.weightNorm), `step ${a.step}: ${p.name} weight norm`).toBeLessThan(1e-4 * p.weightNorm + 1e-6);
      }
      expect(b[net].layers.map((l) => l.name)).toEqual(a[net].layers.map((l) => l.name));
      a[net].layers.forEach((l, k) => expect(Math.abs(l.mean - b[net].layers[k].mean), `step ${a.step}: ${l.name} mean`).toBeLessThan(1e-4 + 1e-3 * Math.abs(l.mean)));
    }
  });
}

describe.skipIf(!python)(`gradscope export of a GAN: train.py plays the same game in PyTorch${skipReason}`, () => {
  const gpu = useGpu();
  const outs: string[] = [];

  it.each(Object.keys(SPECS))('%s: the same losses, D values, ‖∂L_G/∂G(z)‖ and gradient norms, step by step', async (name) => {
    const out = join(dir, `gan${outs.length}`);
    outs.push(out);
    const spec = parseGanSpec(JSON.parse(JSON.stringify(SPECS[name])));
    const data = makeGanDataset(spec.data, spec.seed);
    exportGan(spec, data, { out: join(out, 'export'), config: 'gan.json' });
    await trainGan(gpu(), spec, data, { out: join(out, 'gradscope'), quiet: true, profile: false });
    await py([join(out, 'export', 'train.py'), '--out', join(out, 'torch')]);
    expectSameGanRun(lines(join(out, 'gradscope', 'metrics.jsonl')), lines(join(out, 'torch', 'metrics.jsonl')));
  });

  it('stops where gradscope stops when the gradients overflow, and exits 3', async () => {
    const spec = parseGanSpec({ ...SPECS[Object.keys(SPECS)[1]], optimizer_d: { type: 'sgd', lr: 1e6 } });
    const out = join(dir, 'gan-overflow');
    const data = makeGanDataset(spec.data, spec.seed);
    exportGan(spec, data, { out: join(out, 'export'), config: 'gan.json' });
    expect(await trainGan(gpu(), spec, data, { out: join(out, 'gradscope'), quiet: true, profile: false })).toBe(3);
    const failed = await py([join(out, 'export', 'train.py'), '--out', join(out, 'torch')]).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(failed?.code).toBe(3);
    const ours = lines(join(out, 'gradscope', 'metrics.jsonl')).find((r) => r.nonFinite)!.nonFinite!; // G's gradient norm overflows float32 at step 1
    const net = /^gradient of (generator|discriminator)\./.exec(ours.where)![1];
    expect(failed?.stderr).toMatch(new RegExp(`^train\\.py: training stopped at step ${ours.step}: non-finite gradients of the ${net};`, 'm'));
    expect(lines(join(out, 'torch', 'metrics.jsonl')).at(-1)!.nonFinite).toEqual(ours);
  });

  it('checkpoints load both ways: train.py → gradscope gradients, gradscope → export --weights', async () => {
    const out = outs[0];
    if (!out) throw new Error('needs the first run above');
    const config = join(out, 'gan.json');
    writeFileSync(config, JSON.stringify(SPECS[Object.keys(SPECS)[0]]));
    const spec = parseGanSpec(JSON.parse(readFileSync(config, 'utf8')));
    const models = describeGan(spec);
    const [ours, theirs] = ['gradscope', 'torch'].map((side) => validateGanCheckpoint(models, readFileSync(join(out, side, 'model.safetensors'))).parts);
    ours.forEach((part, n) => part.params.forEach((w, i) => expect(Math.abs(w - theirs[n].params[i]), `${part.net} element ${i}`).toBeLessThan(1e-4 * Math.abs(w) + 1e-5)));
    const B = 5;
    const batch = join(out, 'batch.safetensors');
    writeFileSync(batch, writeSafetensors({
      z: f32Tensor([B, spec.gan.latent], Float32Array.from({ length: B * spec.gan.latent }, (_, i) => Math.sin(i))),
      x: f32Tensor([B, 2], Float32Array.from({ length: 2 * B }, (_, i) => Math.cos(i))),
    }));
    const grads = await runCli(['gradients', '--config', config, '--weights', join(out, 'torch', 'model.safetensors'), '--batch', batch, '--out', join(out, 'grads.safetensors')]);
    expect(grads.code, grads.stderr).toBe(0);
    expect(grads.stdout).toMatch(/^d_loss [\d.e-]+, g_loss [-\d.e]+; wrote 9 gradients/m);
    const again = await runCli(['export', '--config', config, '--weights', join(out, 'gradscope', 'model.safetensors'), '--out', join(out, 'again')]);
    expect(again.code, again.stderr).toBe(0);
    const init = validateGanCheckpoint(models, readFileSync(join(out, 'again', 'init.safetensors'))).parts;
    init.forEach((part, n) => expect(Array.from(part.params)).toEqual(Array.from(ours[n].params)));
  });

  it('refuses weights that are not a GAN checkpoint of this spec, and torchrun', async () => {
    const out = outs[0];
    if (!out) throw new Error('needs the first run above');
    const single = join(out, 'single.safetensors');
    writeFileSync(single, writeSafetensors({ 'layers.0.weight': f32Tensor([1, 1], new Float32Array([1])) }));
    const bad = await runCli(['export', '--config', join(out, 'gan.json'), '--weights', single, '--out', join(out, 'bad')]);
    expect(bad.code).toBe(1);
    expect(ownLines(bad)).toEqual([`gradscope: --weights ${single}: tensor layers.0.weight belongs to neither network (names start with generator. or discriminator.)`]);
    const ddp = await py([join(out, 'export', 'train.py'), '--steps', '1'], { env: { WORLD_SIZE: '2' } }).then(() => null, (e: { stderr: string }) => e);
    expect(ddp?.stderr).toMatch(/a GAN export runs in one process \(no DistributedDataParallel\)/);
  });
});
