// `gradscope export` against `gradscope train`: the exported train.py, run with Debian's PyTorch
// on the CPU, logs the same losses, gradient norms, layer statistics and ‖∂L/∂h_t‖ step by step
// as gradscope's own run of the same spec (same initial weights, data and batch order), on an MLP
// with SGD (Nesterov momentum, weight decay, value clipping), an MLP with Adam and global-norm
// clipping, a residual + batch norm net with AdamW, weight-normalised layers, an LSTM and a
// stacked RNN + GRU with RMSprop; checkpoints go both ways; an overflow stops both at one step.
// (The shipped examples and torchrun: export-scale.test.ts.)
// Tolerances: float32 on two engines, different summation orders. Measured over these specs:
// loss ≤ 2e-5 relative over 20 steps, step-1 gradient norms ≤ 3e-7; asserted at 1e-3 and 1e-4.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { exportRun } from '../../src/cli/export';
import { loadCheckpoint, validateCheckpoint } from '../../src/engine/checkpoint';
import { outputsFor, type Dataset } from '../../src/engine/data';
import { describeModel } from '../../src/engine/model';
import type { StepRecord } from '../../src/engine/diagnostics';
import { f32Tensor, writeSafetensors } from '../../src/engine/safetensors';
import type { Spec } from '../../src/engine/spec';
import { Trainer } from '../../src/engine/trainer';
import { useGpu } from '../gpu';
import { exportAndTrain, py, python, records, rel, scratch as dir, skipReason } from './python';
import { ownLines, runCli } from './run';

const base = { batch_size: 16, steps: 20, log_every: 1 };
const SPECS: Record<string, object> = {
  'mlp, sgd with nesterov momentum, weight decay, clip.value': {
    ...base, seed: 7, model: { input: 2, layers: [{ type: 'dense', units: 16 }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 15 }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 3 }] },
    loss: 'cross_entropy', optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true, weight_decay: 0.001 }, clip: { value: 0.5 },
    data: { name: 'spiral', classes: 3, samples: 300 },
  },
  'mlp, adam, clip.global_norm, bce_with_logits': {
    ...base, seed: 3, model: { input: 2, layers: [{ type: 'dense', units: 12, init: 'he_normal' }, { type: 'activation', fn: 'gelu' }, { type: 'dense', units: 9 }, { type: 'activation', fn: 'sigmoid' }, { type: 'dense', units: 1 }] },
    loss: 'bce_with_logits', optimizer: { type: 'adam', lr: 0.02 }, clip: { global_norm: 0.5 }, data: { name: 'moons', samples: 200 },
  },
  'residual + batch norm + layer norm, adamw': {
    ...base, seed: 11, model: { input: 2, layers: [
      { type: 'dense', units: 10, bias: false }, { type: 'batchnorm' }, { type: 'activation', fn: 'relu' }, // a bias before batch norm would only learn rounding noise
      { type: 'residual', layers: [{ type: 'dense', units: 10 }, { type: 'layernorm' }, { type: 'activation', fn: 'tanh' }] },
      { type: 'dense', units: 4 }] },
    loss: 'cross_entropy', optimizer: { type: 'adamw', lr: 0.01, weight_decay: 0.01 }, data: { name: 'blobs', classes: 4, samples: 200 },
  },
  'weight norm (with and without bias) and dropout p = 0, adam': {
    ...base, seed: 4, model: { input: 2, layers: [
      { type: 'dense', units: 12, weight_norm: true }, { type: 'activation', fn: 'tanh' }, { type: 'dropout', p: 0 },
      { type: 'dense', units: 9, weight_norm: true, bias: false }, { type: 'activation', fn: 'elu' }, { type: 'dense', units: 3 }] },
    loss: 'cross_entropy', optimizer: { type: 'adam', lr: 0.01, weight_decay: 0.001 }, data: { name: 'spiral', classes: 3, samples: 200 },
  },
  'lstm on the adding problem, adam, clip.global_norm': {
    ...base, batch_size: 8, seed: 1, model: { input: 2, layers: [{ type: 'lstm', units: 8, forget_bias: 1 }, { type: 'dense', units: 1 }] },
    loss: 'mse', optimizer: { type: 'adam', lr: 0.01 }, clip: { global_norm: 1 }, data: { name: 'adding', samples: 200, seq_len: 6 },
  },
  'rnn (return_sequences) + gru on temporal order, rmsprop with momentum': {
    ...base, batch_size: 8, seed: 5, model: { input: 6, layers: [{ type: 'rnn', units: 6, return_sequences: true, init: 'orthogonal' }, { type: 'gru', units: 7 }, { type: 'dense', units: 4 }] },
    loss: 'cross_entropy', optimizer: { type: 'rmsprop', lr: 0.005, momentum: 0.5 }, data: { name: 'temporal_order', samples: 160, seq_len: 10 },
  },
};

function expectSameRun(ours: StepRecord[], theirs: StepRecord[]): void {
  expect(theirs.map((r) => r.step)).toEqual(ours.map((r) => r.step));
  ours.forEach((a, i) => {
    const b = theirs[i];
    expect(rel(a.loss, b.loss), `step ${a.step}: loss ${a.loss} vs ${b.loss}`).toBeLessThan(1e-3);
    expect(b.params.map((p) => p.name).sort()).toEqual(a.params.map((p) => p.name).sort()); // weight_norm registers bias first
  });
  const [a, b] = [ours[0], theirs[0]];
  const param = new Map(b.params.map((p) => [p.name, p]));
  a.params.forEach((p) => {
    expect(Math.abs(p.gradNorm - param.get(p.name)!.gradNorm), `${p.name} grad norm`).toBeLessThan(1e-4 * p.gradNorm + 1e-6 * a.globalGradNorm);
    expect(rel(p.weightNorm, param.get(p.name)!.weightNorm), `${p.name} weight norm`).toBeLessThan(1e-4);
  });
  expect(b.accuracy === null).toBe(a.accuracy === null);
  if (a.accuracy !== null) expect(Math.abs(a.accuracy - b.accuracy!)).toBeLessThanOrEqual(1 / 16 + 1e-9); // at most one argmax tie apart
  expect(b.layers.map((l) => `${l.name} ${l.type}`)).toEqual(a.layers.map((l) => `${l.name} ${l.type}`));
  a.layers.forEach((l, k) => {
    for (const key of ['mean', 'std', 'min', 'max'] as const) expect(Math.abs(l[key] - b.layers[k][key]), `${l.name} ${key}`).toBeLessThan(1e-4 + 1e-3 * Math.abs(l[key]));
    expect(b.layers[k].saturated === null).toBe(l.saturated === null);
    expect(b.layers[k].dead === null).toBe(l.dead === null);
  });
  expect(b.histograms.map((h) => h.name).sort()).toEqual(a.histograms.map((h) => h.name).sort());
  const histogram = new Map(b.histograms.map((h) => [h.name, h.counts]));
  a.histograms.forEach((h) => {
    const total = h.counts.reduce((s, c) => s + c, 0);
    const moved = h.counts.reduce((s, c, j) => s + Math.abs(c - histogram.get(h.name)![j]), 0);
    expect(moved, `${h.name} histogram`).toBeLessThanOrEqual(Math.ceil(0.02 * total)); // values on a bin edge may fall either side
  });
  expect(b.hiddenGradNorms.map((h) => h.name)).toEqual(a.hiddenGradNorms.map((h) => h.name));
  a.hiddenGradNorms.forEach((h, k) => h.norms.forEach((n, t) => expect(rel(n, b.hiddenGradNorms[k].norms[t]), `${h.name} ‖∂L/∂h_${t}‖`).toBeLessThan(1e-4)));
}

describe.skipIf(!python)(`gradscope export: train.py trains the same run in PyTorch${skipReason}`, () => {
  const gpu = useGpu();
  const runs = new Map<string, { spec: Spec; data: Dataset; out: string; stdout: string }>();

  it.each(Object.keys(SPECS))('%s: the same losses, gradient norms and layer statistics, step by step', async (name) => {
    const out = join(dir, `run${runs.size}`);
    const { spec, data } = await exportAndTrain(gpu(), SPECS[name], out);
    const stdout = await py([join(out, 'export', 'train.py'), '--out', join(out, 'torch')]); // from another working directory
    runs.set(name, { spec, data, out, stdout });
    expectSameRun(records(join(out, 'gradscope', 'metrics.jsonl')), records(join(out, 'torch', 'metrics.jsonl')));
  });

  it('stops where gradscope stops when the gradients overflow, without the bad update, and exits 3', async () => {
    const mlp = SPECS['mlp, sgd with nesterov momentum, weight decay, clip.value'] as { optimizer: object };
    const spec = { ...mlp, optimizer: { ...mlp.optimizer, lr: 1e6 }, clip: {}, log_every: 5 }; // overflows at step 5
    const out = join(dir, 'overflow');
    const { spec: parsed, data } = await exportAndTrain(gpu(), spec, out);
    const failed = await py([join(out, 'export', 'train.py'), '--out', join(out, 'torch')]).then(() => null, (e: { code: number; stderr: string }) => e);
    expect(failed?.code).toBe(3);
    expect(failed?.stderr).toMatch(/^train\.py: training stopped at step (\d+): non-finite gradients; parameters are those from before that step$/m);
    const [ours, theirs] = [records(join(out, 'gradscope', 'metrics.jsonl')), records(join(out, 'torch', 'metrics.jsonl'))];
    const stop = ours.find((r) => r.nonFinite)!.nonFinite!.step;
    expect(theirs.at(-1)!.nonFinite?.step).toBe(stop);
    expect(Number(/stopped at step (\d+)/.exec(failed!.stderr)![1])).toBe(stop);
    // Both checkpoints hold the parameters from before the overflowing step.
    const model = describeModel(parsed, outputsFor(parsed.loss, data));
    const [a, b] = ['gradscope', 'torch'].map((side) => validateCheckpoint(model, readFileSync(join(out, side, 'model.safetensors'))).params);
    expect(a.every(Number.isFinite) && b.every(Number.isFinite)).toBe(true);
    a.forEach((w, i) => expect(Math.abs(w - b[i]), `parameter element ${i}`).toBeLessThanOrEqual(1e-3 * Math.abs(w) + 1e-3));
  });

  it('checkpoints load both ways: train.py → gradscope, gradscope → export --weights → train.py', async () => {
    const run = runs.get('residual + batch norm + layer norm, adamw');
    if (!run) throw new Error('needs the residual + batch norm run above');
    const { spec, data, out, stdout } = run;
    const trainer = await Trainer.create(gpu(), spec, data);
    try {
      const theirs = validateCheckpoint(trainer.model, readFileSync(join(out, 'torch', 'model.safetensors')));
      const ours = validateCheckpoint(trainer.model, readFileSync(join(out, 'gradscope', 'model.safetensors')));
      const scale = Math.max(...ours.params.map(Math.abs));
      expect(Math.max(...ours.params.map((w, i) => Math.abs(w - theirs.params[i])))).toBeLessThan(1e-3 * scale); // after 20 steps
      expect(Math.max(...ours.states.map((s, i) => Math.abs(s - theirs.states[i])))).toBeLessThan(1e-3);
      loadCheckpoint(trainer, readFileSync(join(out, 'torch', 'model.safetensors')));
      const evaluated = await trainer.evaluate();
      expect(evaluated.loss).toBeCloseTo(Number(/held-out loss ([\d.]+)/.exec(stdout)![1]), 3);

      // The other way: gradscope's trained weights continue in PyTorch.
      loadCheckpoint(trainer, readFileSync(join(out, 'gradscope', 'model.safetensors')));
      const ourLoss = (await trainer.evaluate()).loss;
      exportRun(spec, data, { out: join(out, 'continued'), config: 'run.json', weights: { name: 'model.safetensors', bytes: readFileSync(join(out, 'gradscope', 'model.safetensors')) } });
      const continued = await py([join(out, 'continued', 'train.py'), '--steps', '0', '--out', join(out, 'continued', 'run')]);
      expect(Number(/held-out loss ([\d.]+)/.exec(continued)![1])).toBeCloseTo(ourLoss, 3);
    } finally {
      trainer.dispose();
    }
  });
});

describe('gradscope export on the command line (no GPU, no Python needed)', () => {
  it('writes the project, and refuses a checkpoint of another model naming the file, before writing anything', async () => {
    const out = join(dir, 'cli');
    const ok = await runCli(['export', '--config', 'examples/spiral.json', '--out', out, '--steps', '5']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['data.safetensors', 'gradscope_data.py', 'gradscope_layers.py', 'gradscope_torch.py', 'init.safetensors', 'run.json', 'train.py']);
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toMatch(/^STEPS = 5$/m);
    expect(JSON.parse(readFileSync(join(out, 'run.json'), 'utf8')).steps).toBe(5);

    const other = join(dir, 'other.safetensors');
    writeFileSync(other, writeSafetensors({ 'layers.0.weight': f32Tensor([2, 2], new Float32Array(4)) }));
    const bad = await runCli(['export', '--config', 'examples/spiral.json', '--out', join(dir, 'cli-bad'), '--weights', other]);
    expect(bad.code).toBe(1);
    expect(ownLines(bad)).toEqual([expect.stringMatching(/^gradscope: --weights .*other\.safetensors: layers\.0\.weight: shape \[2,2\] does not match the model's \[64,2\]$/)]);
    expect(existsSync(join(dir, 'cli-bad', 'train.py'))).toBe(false);

    const missing = await runCli(['export', '--config', 'examples/spiral.json']);
    expect(missing.code).toBe(2);
    expect(ownLines(missing)[0]).toBe('gradscope: --out is required for "export"');
  });

  it('diagnose reads a PyTorch run file with its spec, and names what is missing or malformed', async () => {
    const fixture = 'tests/e2e/fixtures/pytorch-metrics.jsonl'; // written by an exported train.py
    const ok = await runCli(['diagnose', fixture, '--config', 'tests/e2e/fixtures/pytorch-metrics.run.json']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^tests\/e2e\/fixtures\/pytorch-metrics\.jsonl: 13 records, steps 1…60\ndiagnosis at step 60: /);
    const alone = await runCli(['diagnose', fixture]);
    expect(alone.code).toBe(2);
    expect(ownLines(alone)).toEqual([`gradscope: ${fixture}: no --config, and no model.safetensors beside it to read the run's spec from`]);
    const broken = join(dir, 'broken.jsonl');
    writeFileSync(broken, readFileSync(fixture, 'utf8').replace(/^\{"step": 5, "loss": [^,]+/m, '{"step": 5, "loss": "high"'));
    const bad = await runCli(['diagnose', broken, '--config', 'tests/e2e/fixtures/pytorch-metrics.run.json']);
    expect(bad.code).toBe(1);
    expect(ownLines(bad)).toEqual([`gradscope: ${broken}: line 2: loss: expected a number or null, got "high"`]);
  });

  it('says what it cannot export: the data-dependent weight-norm init without --weights', async () => {
    const data = await runCli(['export', '--config', 'examples/weight-norm.json', '--out', join(dir, 'cli-wn')]);
    expect(data.code).toBe(1);
    expect(ownLines(data)).toEqual(['gradscope: model.layers[0].weight_norm_init: expected "norm" to export without --weights (for "data": gradscope train --steps 0 --out DIR, then export --weights DIR/model.safetensors), got "data"']);
  });
});
