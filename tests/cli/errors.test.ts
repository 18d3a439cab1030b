// The command line on bad input and on models without a built-in data set (issue 11): every
// error is one line naming the flag or file and what was wrong, every process ends by itself in
// bounded time, and `gradients` needs nothing in the config but the model and the loss.
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f32Tensor, readSafetensors, writeSafetensors, type StTensor } from '../../src/engine/safetensors';
import { referenceLoss, type Params } from '../ref/model';
import { ownLines, runCli } from './run';
import type { LayerSpec } from '../../src/engine/spec';

const dir = mkdtempSync(join(tmpdir(), 'gradscope-errors-'));
const file = (name: string, content: string | Uint8Array) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
const wave = (n: number, phase: number) => Float32Array.from({ length: n }, (_, i) => 0.5 * Math.sin(1.3 * i + phase));
const asF32 = (t: StTensor) => new Float32Array(t.data.slice().buffer);
const oneLineError = (r: { stderr: string; stdout: string }, pattern: RegExp) => {
  const lines = ownLines(r as never);
  expect(lines.length, lines.join('\n')).toBeLessThanOrEqual(2);
  expect(lines[0]).toMatch(pattern);
  expect(r.stderr).not.toMatch(/^\s+at /m);
};

describe('gradients needs only the model and the loss', () => {
  // Five outputs with mse: refused before ("a last layer of width 1 ... for data spiral").
  const layers: LayerSpec[] = [
    { type: 'dense', units: 4, init: 'glorot_uniform', bias: true }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 5, init: 'glorot_uniform', bias: true },
  ];
  const shapes: Record<string, number[]> = { 'layers.0.weight': [4, 3], 'layers.0.bias': [4], 'layers.2.weight': [5, 4], 'layers.2.bias': [5] };
  const B = 6;

  it.each(['mse', 'bce_with_logits'] as const)('a 3-4-5 net with %s on y F32 [6, 5]: loss and gradients match the float64 reference', async (loss) => {
    const config = file(`multi-${loss}.json`, JSON.stringify({ model: { input: 3, layers }, loss }));
    const weights: Record<string, StTensor> = {};
    const p: Params = new Map();
    Object.entries(shapes).forEach(([name, shape], k) => {
      const v = wave(shape.reduce((a, b) => a * b), k);
      weights[name] = f32Tensor(shape, v);
      p.set(name, Float64Array.from(v));
    });
    const x = wave(B * 3, 7);
    const y = loss === 'mse' ? wave(B * 5, 9) : Float32Array.from({ length: B * 5 }, (_, i) => (i * 7) % 3 === 0 ? 1 : 0);
    const w = file(`w-${loss}.safetensors`, writeSafetensors(weights));
    const b = file(`b-${loss}.safetensors`, writeSafetensors({ x: f32Tensor([B, 3], x), y: f32Tensor([B, 5], y) }));
    const out = join(dir, `g-${loss}.safetensors`);
    const r = await runCli(['gradients', '--config', config, '--weights', w, '--batch', b, '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const { tensors, metadata } = readSafetensors(readFileSync(out));
    const ref = (q: Params) => referenceLoss(layers, loss, q, Float64Array.from(x), B, Array.from(y));
    expect(Number(metadata.loss)).toBeCloseTo(ref(p), 5);
    // Central differences of the float64 reference, on every entry of the output layer's weight.
    const g = asF32(tensors['layers.2.weight']);
    const base = p.get('layers.2.weight')!;
    for (let i = 0; i < base.length; i++) {
      const h = 1e-6;
      const plus = new Map(p).set('layers.2.weight', Float64Array.from(base, (v, j) => (j === i ? v + h : v)));
      const minus = new Map(p).set('layers.2.weight', Float64Array.from(base, (v, j) => (j === i ? v - h : v)));
      const fd = (ref(plus) - ref(minus)) / (2 * h);
      expect(Math.abs(g[i] - fd)).toBeLessThan(1e-5 + 1e-3 * Math.abs(fd));
    }
  });

  it('an LSTM declares its time steps with model.seq_len: no sequence task named', async () => {
    const T = 3, F = 2, H = 4;
    const config = file('lstm.json', JSON.stringify({ model: { input: F, seq_len: T, layers: [{ type: 'lstm', units: H }, { type: 'dense', units: 1 }] }, loss: 'mse' }));
    const weights = writeSafetensors({
      'layers.0.weight_ih_l0': f32Tensor([4 * H, F], wave(4 * H * F, 1)), 'layers.0.weight_hh_l0': f32Tensor([4 * H, H], wave(4 * H * H, 2)),
      'layers.0.bias_ih_l0': f32Tensor([4 * H], wave(4 * H, 3)), 'layers.0.bias_hh_l0': f32Tensor([4 * H], wave(4 * H, 4)),
      'layers.1.weight': f32Tensor([1, H], wave(H, 5)), 'layers.1.bias': f32Tensor([1], wave(1, 6)),
    });
    const batch = writeSafetensors({ x: f32Tensor([5, T * F], wave(5 * T * F, 8)), y: f32Tensor([5, 1], wave(5, 9)) });
    const out = join(dir, 'g-lstm.safetensors');
    const r = await runCli(['gradients', '--config', config, '--weights', file('w-lstm.safetensors', weights), '--batch', file('b-lstm.safetensors', batch), '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(readSafetensors(readFileSync(out)).tensors['layers.0.weight_hh_l0'].shape).toEqual([4 * H, H]);
  });

  it('a recurrent model with neither model.seq_len nor a sequence task is refused naming model.seq_len', async () => {
    const config = file('lstm-no-t.json', JSON.stringify({ model: { input: 2, layers: [{ type: 'lstm', units: 4 }, { type: 'dense', units: 1 }] }, loss: 'mse' }));
    oneLineError(await runCli(['train', '--config', config]), /^gradscope: model\.seq_len: expected the time steps T of the lstm layer at model\.layers\[0\]/);
  });
});

describe('bad files and flags: one line, no usage dump', () => {
  const good = file('good.json', JSON.stringify({ model: { input: 2, layers: [{ type: 'dense', units: 3 }] }, data: { name: 'spiral', classes: 3, samples: 100 }, steps: 5 }));

  it.each([
    ['a JSON syntax error (line and column)', ['train', '--config', file('syntax.json', '{\n  "steps": 5,\n}\n')], /^gradscope: --config .*syntax\.json:3:1: not JSON: /],
    ['an empty file', ['train', '--config', file('empty.json', '')], /^gradscope: --config .*empty\.json: the file is empty/],
    ['a missing file', ['train', '--config', join(dir, 'nope.json')], /^gradscope: --config .*nope\.json: no such file or folder$/],
    ['a folder as the config', ['train', '--config', dir], /: is a folder$/],
    ['a negative --steps', ['train', '--config', good, '--steps', '-5'], /^gradscope: --steps: expected an integer in \[0, 10000000\], got "-5"$/],
    ['a text --seed', ['train', '--config', good, '--seed', 'abc'], /^gradscope: --seed: expected an integer in \[0, 4294967295\], got "abc"$/],
    ['a fractional --steps=', ['train', '--config', good, '--steps=2.5'], /^gradscope: --steps: expected an integer/],
    ['an unknown flag', ['train', '--config', good, '--stpes', '3'], /^gradscope: unknown flag --stpes$/],
    ['a flag of another command', ['train', '--config', good, '--batch', 'b'], /^gradscope: --batch is not a flag of "train"/],
  ])('%s', async (_, args, pattern) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    oneLineError(r, pattern);
    expect(r.stderr).not.toMatch(/usage:/);
  });

  it('train --out somewhere unwritable refuses before training and exits (it hung on /proc/x)', async () => {
    for (const out of ['/proc/x', '/proc/x/y', join(good)]) {
      const r = await runCli(['train', '--config', good, '--out', out], { timeoutMs: 30_000 });
      expect(r.timedOut).toBe(false);
      expect(r.code).toBe(2);
      oneLineError(r, /^gradscope: --out .*: cannot write there \(/);
    }
    expect(existsSync(`${good}.gradscope-probe`)).toBe(false);
  });

  it('gradients refuses NaN and Inf in the batch and the weights, naming the tensor and the first bad index, writing nothing', async () => {
    const config = file('tiny.json', JSON.stringify({ model: { input: 2, layers: [{ type: 'dense', units: 2 }] }, loss: 'mse' }));
    const weights = (w: Float32Array) => file('w-nan.safetensors', writeSafetensors({ 'layers.0.weight': f32Tensor([2, 2], w), 'layers.0.bias': f32Tensor([2], wave(2, 1)) }));
    const batch = (x: Float32Array) => file('b-nan.safetensors', writeSafetensors({ x: f32Tensor([3, 2], x), y: f32Tensor([3, 2], wave(6, 2)) }));
    const out = join(dir, 'g-nan.safetensors');
    const x = wave(6, 0);
    x[3] = NaN;
    let r = await runCli(['gradients', '--config', config, '--weights', weights(wave(4, 0)), '--batch', batch(x), '--out', out]);
    expect(r.code).toBe(1);
    oneLineError(r, /^gradscope: --batch .*b-nan\.safetensors: x\[1, 1\] is NaN \(expected finite values\)$/);
    const w = wave(4, 0);
    w[2] = -Infinity;
    r = await runCli(['gradients', '--config', config, '--weights', weights(w), '--batch', batch(wave(6, 0)), '--out', out]);
    expect(r.code).toBe(1);
    oneLineError(r, /^gradscope: --weights .*w-nan\.safetensors: layers\.0\.weight\[1, 0\] is -Infinity/);
    expect(existsSync(out)).toBe(false);
  });
});

describe('a run stopped by non-finite values', () => {
  it('reports the steps actually applied and how many were submitted and skipped', async () => {
    // SGD at lr 1000 on a wide N(0, 3²) ReLU net overflows within a few steps.
    const config = file('boom.json', JSON.stringify({
      model: { input: 2, layers: [{ type: 'dense', units: 64, init: 'normal', std: 3 }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 64, init: 'normal', std: 3 }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 3 }] },
      data: { name: 'spiral', classes: 3, samples: 200 }, optimizer: { type: 'sgd', lr: 1000 }, steps: 16, log_every: 1,
    }));
    const r = await runCli(['train', '--config', config]);
    expect(r.code).toBe(3);
    const stop = Number(/training stopped at step (\d+)/.exec(r.stderr)?.[1]);
    expect(stop).toBeGreaterThan(1);
    // The loop stops once the stop's record is read back: a few more steps may have been submitted.
    const summary = new RegExp(`^${stop - 1} steps? applied in [^;]*(; (\\d+) more submitted and skipped from step ${stop})?; held-out`, 'm');
    const m = summary.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    expect(Number(m![2] ?? 0)).toBeLessThanOrEqual(16 - (stop - 1));
  });
});
