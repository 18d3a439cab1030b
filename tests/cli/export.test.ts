// `gradscope export` against `gradscope train`: the exported train.py, run with Debian's PyTorch
// on the CPU, logs the same losses, gradient norms, layer statistics and ‖∂L/∂h_t‖ step by step
// as gradscope's own run of the same spec (same initial weights, data and batch order), on an MLP
// with SGD (Nesterov momentum, weight decay, value clipping), an MLP with Adam and global-norm
// clipping, a residual + batch norm net with AdamW, an LSTM and a stacked RNN + GRU with RMSprop.
// Checkpoints go both ways, and torchrun with 2 processes trains the same run.
// Tolerances: float32 on two engines, different summation orders. Measured over these specs:
// loss ≤ 2e-5 relative over 20 steps, step-1 gradient norms ≤ 3e-7; asserted at 1e-3 and 1e-4.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { exportRun } from '../../src/cli/export';
import { train } from '../../src/cli/train';
import { loadCheckpoint, validateCheckpoint } from '../../src/engine/checkpoint';
import { Batcher, type Dataset } from '../../src/engine/data';
import { loadDataset } from '../../src/engine/dataset';
import type { StepRecord } from '../../src/engine/diagnostics';
import { parseRunFile } from '../../src/engine/runfile';
import { f32Tensor, writeSafetensors } from '../../src/engine/safetensors';
import { parseSpec, type Spec } from '../../src/engine/spec';
import { Trainer } from '../../src/engine/trainer';
import { useGpu } from '../gpu';
import { ownLines, runCli } from './run';

/** A python3 that has torch (Debian's python3-torch lives under /usr/bin/python3). */
function findPython(): string | null {
  for (const p of [process.env.GRADSCOPE_PYTHON, 'python3', '/usr/bin/python3']) {
    if (!p) continue;
    try {
      execFileSync(p, ['-c', 'import torch, numpy'], { stdio: 'ignore', timeout: 60_000 });
      return p;
    } catch { /* the next one */ }
  }
  return null;
}
const python = findPython();
const reason = python ? '' : ' (SKIPPED: no python3 with torch and numpy; scripts/setup-system.sh installs python3-torch)';
const dir = mkdtempSync(join(tmpdir(), 'gradscope-export-'));

const py = async (args: string[], cwd = tmpdir()) => (await promisify(execFile)(python!, args, { cwd, timeout: 120_000, env: { ...process.env, OMP_NUM_THREADS: '1' } })).stdout;
const records = (file: string) => parseRunFile(readFileSync(file, 'utf8'));
const rel = (a: number, b: number, floor = 1e-6) => Math.abs(a - b) / Math.max(Math.abs(a), floor);

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
    expect(b.params.map((p) => p.name)).toEqual(a.params.map((p) => p.name));
  });
  const [a, b] = [ours[0], theirs[0]];
  a.params.forEach((p, k) => {
    expect(Math.abs(p.gradNorm - b.params[k].gradNorm), `${p.name} grad norm`).toBeLessThan(1e-4 * p.gradNorm + 1e-6 * a.globalGradNorm);
    expect(rel(p.weightNorm, b.params[k].weightNorm), `${p.name} weight norm`).toBeLessThan(1e-4);
  });
  expect(b.accuracy === null).toBe(a.accuracy === null);
  if (a.accuracy !== null) expect(Math.abs(a.accuracy - b.accuracy!)).toBeLessThanOrEqual(1 / 16 + 1e-9); // at most one argmax tie apart
  expect(b.layers.map((l) => `${l.name} ${l.type}`)).toEqual(a.layers.map((l) => `${l.name} ${l.type}`));
  a.layers.forEach((l, k) => {
    for (const key of ['mean', 'std', 'min', 'max'] as const) expect(Math.abs(l[key] - b.layers[k][key]), `${l.name} ${key}`).toBeLessThan(1e-4 + 1e-3 * Math.abs(l[key]));
    expect(b.layers[k].saturated === null).toBe(l.saturated === null);
    expect(b.layers[k].dead === null).toBe(l.dead === null);
  });
  a.histograms.forEach((h, k) => {
    const total = h.counts.reduce((s, c) => s + c, 0);
    const moved = h.counts.reduce((s, c, j) => s + Math.abs(c - b.histograms[k].counts[j]), 0);
    expect(moved, `${h.name} histogram`).toBeLessThanOrEqual(Math.ceil(0.02 * total)); // values on a bin edge may fall either side
  });
  expect(b.hiddenGradNorms.map((h) => h.name)).toEqual(a.hiddenGradNorms.map((h) => h.name));
  a.hiddenGradNorms.forEach((h, k) => h.norms.forEach((n, t) => expect(rel(n, b.hiddenGradNorms[k].norms[t]), `${h.name} ‖∂L/∂h_${t}‖`).toBeLessThan(1e-4)));
}

describe.skipIf(!python)(`gradscope export: train.py trains the same run in PyTorch${reason}`, () => {
  const gpu = useGpu();
  const prepared = new Map<string, { spec: Spec; data: Dataset; out: string }>();
  const prepare = async (name: string) => {
    const spec = parseSpec(JSON.parse(JSON.stringify(SPECS[name])));
    const data = await loadDataset(spec.data, spec.seed);
    const out = join(dir, `run${prepared.size}`);
    exportRun(spec, data, { out: join(out, 'export'), config: 'run.json' });
    await train(gpu(), spec, data, { out: join(out, 'gradscope'), quiet: true, profile: false });
    prepared.set(name, { spec, data, out });
    return prepared.get(name)!;
  };

  it.each(Object.keys(SPECS))('%s: the same losses, gradient norms and layer statistics, step by step', async (name) => {
    const { out } = await prepare(name);
    await py([join(out, 'export', 'train.py'), '--out', join(out, 'torch')]); // from another working directory
    expectSameRun(records(join(out, 'gradscope', 'metrics.jsonl')), records(join(out, 'torch', 'metrics.jsonl')));
  });

  // The shipped examples, shortened to 4 steps logged each: spiral (batch norm, residual, Adam,
  // clipping), adding (LSTM, T = 100) and fashion (784-256-128-10 on the shipped Fashion-MNIST).
  // Weight norms are not compared: spiral's bias before batch norm learns only rounding noise.
  it.each(['spiral', 'adding', 'fashion'])('examples/%s.json: the same losses step by step and gradient norms at step 1', async (name) => {
    const spec = parseSpec({ ...JSON.parse(readFileSync(`examples/${name}.json`, 'utf8')), steps: 4, log_every: 1 });
    const data = await loadDataset(spec.data, spec.seed);
    const out = join(dir, `example-${name}`);
    exportRun(spec, data, { out: join(out, 'export'), config: `${name}.json` });
    await train(gpu(), spec, data, { out: join(out, 'gradscope'), quiet: true, profile: false });
    await py([join(out, 'export', 'train.py'), '--out', join(out, 'torch')]);
    const [ours, theirs] = [records(join(out, 'gradscope', 'metrics.jsonl')), records(join(out, 'torch', 'metrics.jsonl'))];
    expect(theirs.map((r) => r.step)).toEqual([1, 2, 3, 4]);
    ours.forEach((r, i) => expect(rel(r.loss, theirs[i].loss), `step ${r.step}`).toBeLessThan(1e-3));
    ours[0].params.forEach((p, k) => expect(Math.abs(p.gradNorm - theirs[0].params[k].gradNorm), p.name).toBeLessThan(1e-4 * p.gradNorm + 1e-6 * ours[0].globalGradNorm));
  });

  it('reproduces the batcher bit for bit over several epochs', async () => {
    const script = `import json, sys; sys.path.insert(0, ${JSON.stringify(join(process.cwd(), 'python'))})
from gradscope_data import Batcher
b = Batcher(37, 8, 123456789)
print(json.dumps([b.next() for _ in range(20)]))`;
    const theirs = JSON.parse(await py(['-c', script]));
    const ours = new Batcher(37, 8, 123456789);
    expect(theirs).toEqual(Array.from({ length: 20 }, () => Array.from(ours.next()))); // 160 draws: 4+ epochs of 37
  });

  it('checkpoints load both ways: train.py → gradscope, gradscope → export --weights → train.py', async () => {
    const { spec, data, out } = prepared.get('residual + batch norm + layer norm, adamw') ?? (await prepare('residual + batch norm + layer norm, adamw'));
    const stdout = await py([join(out, 'export', 'train.py'), '--out', join(out, 'torch')]);
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

  it('gradscope_torch.Recorder in an own loop (in-place ReLU, nn.LSTM) logs every field and leaves the training bit-identical', async () => {
    const script = String.raw`import json, sys, torch
sys.path.insert(0, ${JSON.stringify(join(process.cwd(), 'python'))})
from torch import nn
from gradscope_torch import Recorder
class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.rnn = nn.LSTM(3, 5, batch_first=True)
        self.body = nn.Sequential(nn.Linear(5, 8), nn.ReLU(inplace=True), nn.Linear(8, 2))
    def forward(self, x):
        y, _ = self.rnn(x)
        self.y = y
        return self.body(y[:, -1])
def train(recorder):
    torch.manual_seed(0)
    model, g = Net(), torch.Generator().manual_seed(1)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    rec = Recorder(model, sys.argv[1], log_every=3) if recorder else None
    last_dy = None
    for step in range(1, 13):
        x, labels = torch.randn(6, 4, 3, generator=g), torch.randint(0, 2, (6,), generator=g)
        with rec.step(step) if rec else torch.enable_grad():
            logits = model(x)
            model.y.retain_grad()
            loss = nn.functional.cross_entropy(logits, labels)
            loss.backward()
            last_dy = float(model.y.grad[:, -1].norm())  # dL/dh_T has only the output path
            if rec: rec.gradients(loss, logits, labels)
            opt.step(); opt.zero_grad()
    return model.state_dict(), last_dy
a, dy = train(False)
b, _ = train(True)
print(json.dumps({'same': all(torch.equal(a[k], b[k]) for k in a), 'last_dy': dy}))`;
    const file = join(dir, 'own', 'metrics.jsonl');
    const result = JSON.parse(await py(['-c', script, file]));
    expect(result.same).toBe(true); // hooks only read
    const recs = records(file);
    expect(recs.map((r) => r.step)).toEqual([1, 3, 6, 9, 12]);
    const r = recs.at(-1)!;
    expect(r.layers.map((l) => `${l.name} ${l.type}`)).toEqual(['rnn lstm', 'body.0 dense', 'body.1 relu', 'body.2 dense']);
    expect(r.layers[2].dead).not.toBeNull();
    expect(r.layers[1].min).toBeLessThan(0); // measured before the in-place ReLU overwrote it
    expect(r.params.map((p) => p.name)).toEqual(['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'rnn.bias_ih_l0', 'rnn.bias_hh_l0', 'body.0.weight', 'body.0.bias', 'body.2.weight', 'body.2.bias']);
    expect(r.histograms.map((h) => h.name)).toEqual(['rnn.weight_ih_l0', 'rnn.weight_hh_l0', 'body.0.weight', 'body.2.weight']);
    expect(r.hiddenGradNorms[0].norms.length).toBe(4);
    expect(rel(r.hiddenGradNorms[0].norms[3], result.last_dy)).toBeLessThan(1e-5);
    expect(r.accuracy).not.toBeNull();
  });

  it('torchrun --standalone --nproc_per_node 2 trains the same run on its shares of each batch; rank 0 logs', async () => {
    const name = 'mlp, sgd with nesterov momentum, weight decay, clip.value';
    const { out } = prepared.get(name) ?? (await prepare(name));
    // --redirects/--tee: torch 1.13's torchrun cannot parse their default "0" on Python 3.11.
    await py(['-m', 'torch.distributed.run', '--monitor_interval', '1', '--standalone', '--nproc_per_node', '2', '--redirects', '1', '--tee', '1', join(out, 'export', 'train.py'), '--steps', '6', '--out', join(out, 'ddp')]);
    const ours = records(join(out, 'gradscope', 'metrics.jsonl')).slice(0, 6);
    const theirs = records(join(out, 'ddp', 'metrics.jsonl'));
    expect(theirs.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6]);
    theirs.forEach((r, i) => {
      expect(rel(ours[i].loss, r.loss), `step ${r.step}`).toBeLessThan(1e-4);
      expect(rel(ours[i].globalGradNorm, r.globalGradNorm), `step ${r.step} gradient norm`).toBeLessThan(1e-4);
      expect(r.accuracy).toBe(ours[i].accuracy); // correct counts summed over both ranks
    });
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
});
