// The command line as users run it (node bin/gradscope.mjs): train writes metrics and a
// checkpoint with PyTorch names; gradients writes one gradient per parameter; bad input exits
// non-zero with one clear line and no stack trace.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { f32Tensor, readSafetensors, writeSafetensors } from '../../src/engine/safetensors';
import { runCli } from './run';

const run = async (...args: string[]) => {
  const r = await runCli(args);
  return { code: r.code, stdout: r.stdout, stderr: r.stderr };
};

const dir = mkdtempSync(join(tmpdir(), 'gradscope-cli-'));
const spec = {
  model: { input: 2, layers: [{ type: 'dense', units: 8 }, { type: 'batchnorm' }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 3 }] },
  loss: 'cross_entropy', optimizer: { type: 'adam', lr: 0.01 }, data: { name: 'spiral', classes: 3, samples: 300 },
  batch_size: 16, steps: 40, seed: 3, log_every: 10,
};
const config = join(dir, 'run.json');
writeFileSync(config, JSON.stringify(spec));

describe('gradscope command line', () => {
  it('train writes metrics.csv, metrics.jsonl and a checkpoint with PyTorch names, and prints gradient-norm tables', async () => {
    const r = await run('train', '--config', config, '--out', join(dir, 'out'), '--steps', '30');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gradient norms at step 1:\nparameter +grad norm/);
    expect(r.stdout).toMatch(/gradient norms at step 30:/);
    expect(r.stdout).toMatch(/30 steps applied in .* held-out loss \d/);
    const csv = readFileSync(join(dir, 'out', 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^step,loss,accuracy,global_grad_norm,grad_norm:layers\.0\.weight/);
    expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([1, 10, 20, 30]);
    const jsonl = readFileSync(join(dir, 'out', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl[3].params.length).toBe(6);
    const { tensors, metadata } = readSafetensors(readFileSync(join(dir, 'out', 'model.safetensors')));
    expect(Object.keys(tensors).sort()).toEqual([
      'layers.0.bias', 'layers.0.weight', 'layers.1.bias', 'layers.1.num_batches_tracked', 'layers.1.running_mean', 'layers.1.running_var', 'layers.1.weight', 'layers.3.bias', 'layers.3.weight',
    ]);
    expect(tensors['layers.0.weight'].shape).toEqual([8, 2]);
    expect(JSON.parse(metadata.spec).steps).toBe(30);
  });

  it('gradients writes the gradient of every parameter under its own name, the loss in the metadata', async () => {
    const B = 5;
    const x = Float32Array.from({ length: B * 2 }, (_, i) => Math.sin(i));
    const y = Int32Array.from([0, 1, 2, 1, 0]);
    writeFileSync(join(dir, 'batch.safetensors'), writeSafetensors({ x: f32Tensor([B, 2], x), y: { dtype: 'I32', shape: [B], data: new Uint8Array(y.buffer) } }));
    const r = await run('gradients', '--config', config, '--weights', join(dir, 'out', 'model.safetensors'), '--batch', join(dir, 'batch.safetensors'), '--out', join(dir, 'g.safetensors'));
    expect(r.code, r.stderr).toBe(0);
    const { tensors, metadata } = readSafetensors(readFileSync(join(dir, 'g.safetensors')));
    expect(Object.keys(tensors).sort()).toEqual(['layers.0.bias', 'layers.0.weight', 'layers.1.bias', 'layers.1.weight', 'layers.3.bias', 'layers.3.weight']);
    expect(Number(metadata.loss)).toBeGreaterThan(0);
    // Softmax cross-entropy: the output bias gradient sums to zero over classes.
    const db = new Float32Array(tensors['layers.3.bias'].data.slice().buffer);
    expect(Math.abs(db[0] + db[1] + db[2])).toBeLessThan(1e-6);
  });

  it.each([
    ['a bad field', { ...spec, model: { input: 2, layers: [{ type: 'dense', units: -1 }] } }, 1, /^gradscope: model\.layers\[0\]\.units: expected an integer in \[1, 65536\], got -1\n$/],
    ['a residual of the wrong width', { ...spec, model: { input: 2, layers: [{ type: 'residual', layers: [{ type: 'dense', units: 3 }] }] } }, 1, /^gradscope: model\.layers\[0\]: expected a residual block/],
  ])('rejects %s with one line and no stack trace', async (_, bad, code, message) => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const r = await run('train', '--config', file);
    expect(r.code).toBe(code);
    expect(r.stderr.replace(/^Warning:.*\n/gm, '')).toMatch(message);
    expect(r.stderr).not.toMatch(/    at /);
  });

  it('exits 2 with one line and a --help hint on a missing --config or an unknown command; the usage only for --help', async () => {
    const missing = await run('train');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe('gradscope: --config is required for "train"\nsee gradscope --help\n');
    const r = await run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^gradscope: unknown command "frobnicate" \(commands: info, train, gradients/);
    expect(r.stderr.trim().split('\n')).toHaveLength(2);
    const help = await run('train', '--help');
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^usage: gradscope <command>/);
  });
});

describe('process lifetime', () => {
  it('exits by itself within a few seconds of its last output (no exit() call: nothing is left holding the process)', async () => {
    const { spawn } = await import('node:child_process');
    const child = spawn('node', ['bin/gradscope.mjs', 'train', '--config', config, '--steps', '20'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let lastOutput = Date.now();
    let out = '';
    child.stdout.on('data', (d) => { out += d; lastOutput = Date.now(); });
    const code = await new Promise<number>((resolve) => child.on('exit', (c) => resolve(c ?? -1)));
    expect(code).toBe(0);
    expect(out).toMatch(/held-out loss/);
    expect(Date.now() - lastOutput).toBeLessThan(5000);
  });
});

describe('a lost GPU device', () => {
  it('ends a training run with exit code 4 and one clear line, the metrics written so far kept', async () => {
    // tests/cli/lose-device.mjs destroys the device 4 s after it is created, mid-training (a slow,
    // busy machine still logs rows before that: log_every is 10).
    const out = join(dir, 'lost');
    const r = await promisify(execFile)('node', ['--import', './tests/cli/lose-device.mjs', 'bin/gradscope.mjs', 'train', '--config', config, '--steps', '1000000', '--out', out], {
      timeout: 120_000, env: { ...process.env, LOSE_DEVICE_AFTER_MS: '4000' },
    }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/^gradscope: the GPU device was lost \(destroyed\)/m);
    expect(r.stderr).not.toMatch(/^\s+at /m); // no stack trace, no unhandled rejection
    const csv = readFileSync(join(out, 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv.length).toBeGreaterThan(2); // the header and the rows logged before the loss
  });
});

