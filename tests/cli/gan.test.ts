// The command line on a GAN spec: train prints both networks' gradient norms and writes metrics
// (per network), a checkpoint with generator.* / discriminator.* names and the samples;
// gradients on those weights and a batch of z and x writes D-loss gradients of discriminator.*
// and G-loss gradients of generator.*, whose losses match the float64 reference of the two
// networks on the same weights and batch.
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { asFloat32, f32Tensor, readSafetensors, writeSafetensors } from '../../src/engine/safetensors';
import type { LayerSpec } from '../../src/engine/spec';
import { ganLosses } from '../ref/gan';
import { normal } from '../reference';

const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)('node', ['bin/gradscope.mjs', ...args], { timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const err = e as { code: number; stdout: string; stderr: string };
    return { code: err.code, stdout: err.stdout, stderr: err.stderr };
  }
};

const dir = mkdtempSync(join(tmpdir(), 'gradscope-gan-cli-'));
const gan = {
  latent: 3, generator_loss: 'saturating',
  generator: { layers: [{ type: 'dense', units: 8 }, { type: 'batchnorm' }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 2 }] },
  discriminator: { layers: [{ type: 'dense', units: 8 }, { type: 'layernorm' }, { type: 'activation', fn: 'leaky_relu' }, { type: 'dense', units: 1 }] },
};
const config = join(dir, 'gan.json');
writeFileSync(config, JSON.stringify({ gan, data: { name: 'ring', samples: 400 }, batch_size: 32, steps: 30, seed: 2, log_every: 10 }));

describe('gradscope command line, GAN specs', () => {
  it('train prints both networks, writes per-network metrics, a checkpoint under generator.* / discriminator.* and samples.csv', async () => {
    const r = await run('train', '--config', config, '--out', join(dir, 'out'));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/gan: generator \d+ parameters, discriminator \d+; loss saturating, d_steps 1; data ring: 400 samples/);
    expect(r.stdout).toMatch(/gradient norms at step 1 \(D\(x\) [\d.]+, D\(G\(z\)\) [\d.e+-]+, ‖∂L_G\/∂G\(z\)‖ [\d.e+-]+\):\nparameter +grad norm/);
    expect(r.stdout).toMatch(/discriminator\.layers\.3\.bias +\d/);
    expect(r.stdout).toMatch(/generator\.layers\.0\.weight +\d/);
    expect(r.stdout).toMatch(/30 steps applied in .*; 2000 samples: \d\/8 modes hit, [\d.]+% within 3σ of a mode/);
    const csv = readFileSync(join(dir, 'out', 'metrics.csv'), 'utf8').trim().split('\n');
    expect(csv[0]).toMatch(/^step,d_loss,g_loss,d_real,d_fake,d_fake_for_g,g_output_grad_norm,g_global_grad_norm,d_global_grad_norm,grad_norm:discriminator\.layers\.0\.weight,/);
    expect(csv.slice(1).map((l) => Number(l.split(',')[0]))).toEqual([1, 10, 20, 30]);
    const jsonl = readFileSync(join(dir, 'out', 'metrics.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(jsonl[3].generator.params.length).toBe(6);
    expect(jsonl[3].discriminator.params.length).toBe(6);
    expect(jsonl[3].gOutputGradNorm).toBeGreaterThan(0);
    const { tensors, metadata } = readSafetensors(readFileSync(join(dir, 'out', 'model.safetensors')));
    expect(Object.keys(tensors).sort()).toEqual([
      'discriminator.layers.0.bias', 'discriminator.layers.0.weight', 'discriminator.layers.1.bias', 'discriminator.layers.1.weight', 'discriminator.layers.3.bias', 'discriminator.layers.3.weight',
      'generator.layers.0.bias', 'generator.layers.0.weight', 'generator.layers.1.bias', 'generator.layers.1.num_batches_tracked', 'generator.layers.1.running_mean', 'generator.layers.1.running_var',
      'generator.layers.1.weight', 'generator.layers.3.bias', 'generator.layers.3.weight',
    ]);
    expect(tensors['generator.layers.0.weight'].shape).toEqual([8, 3]);
    expect(JSON.parse(metadata.spec).gan.generator_loss).toBe('saturating');
    const samples = readFileSync(join(dir, 'out', 'samples.csv'), 'utf8').trim().split('\n');
    expect(samples[0]).toBe('x,y');
    expect(samples.length).toBe(2001);
    // The GAN diagnosis: its summary on stdout, diagnosis.json, and findings on every metrics line.
    expect(r.stdout).toMatch(/^diagnosis at step 30: /m);
    const diagnosis = JSON.parse(readFileSync(join(dir, 'out', 'diagnosis.json'), 'utf8'));
    expect(diagnosis.steps_seen).toBe(30);
    expect(Array.isArray(diagnosis.findings) && Array.isArray(diagnosis.history)).toBe(true);
    expect(jsonl.every((l) => Array.isArray(l.findings))).toBe(true);
    expect(samples.slice(1).every((l) => l.split(',').map(Number).every(Number.isFinite))).toBe(true);
  });

  it('gradients: D-loss gradients of discriminator.*, G-loss gradients of generator.*, losses as the float64 reference', async () => {
    const B = 9;
    const z = Float32Array.from(normal(4, B * 3));
    const x = Float32Array.from({ length: B * 2 }, (_, i) => 2 * Math.sin(i));
    writeFileSync(join(dir, 'batch.safetensors'), writeSafetensors({ z: f32Tensor([B, 3], z), x: f32Tensor([B, 2], x) }));
    const weights = join(dir, 'out', 'model.safetensors');
    // The config needs nothing but the gan block.
    writeFileSync(join(dir, 'only-gan.json'), JSON.stringify({ gan }));
    const r = await run('gradients', '--config', join(dir, 'only-gan.json'), '--weights', weights, '--batch', join(dir, 'batch.safetensors'), '--out', join(dir, 'g.safetensors'));
    expect(r.code, r.stderr).toBe(0);
    const { tensors, metadata } = readSafetensors(readFileSync(join(dir, 'g.safetensors')));
    expect(Object.keys(tensors).filter((n) => n.startsWith('generator.')).length).toBe(6);
    expect(Object.keys(tensors).filter((n) => n.startsWith('discriminator.')).length).toBe(6);
    expect(tensors['discriminator.layers.0.weight'].shape).toEqual([8, 2]);
    const w = readSafetensors(readFileSync(weights)).tensors;
    const p = new Map(Object.entries(w).filter(([, t]) => t.dtype === 'F32').map(([n, t]) => [n, Float64Array.from(asFloat32(t, n))]));
    const want = ganLosses({ generator: gan.generator.layers as LayerSpec[], discriminator: gan.discriminator.layers as LayerSpec[] }, 'saturating', p, Float64Array.from(z), Float64Array.from(x), B);
    expect(Number(metadata.d_loss)).toBeCloseTo(want.dLoss, 4);
    expect(Number(metadata.g_loss)).toBeCloseTo(want.gLoss, 4);
  });

  it('--profile times every kernel of the adversarial step, the GAN loss kernels included', async () => {
    const r = await run('train', '--config', config, '--steps', '4', '--profile');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/profile \(diagnostics are off while profiling\):\nkernel +calls/);
    expect(r.stdout).toMatch(/gan_losses\.saturating\(32\) +4 /);
    expect(r.stdout).toMatch(/gan_losses\.bce\(t=0\)\(32\) +4 /);
    expect(r.stdout).toMatch(/\(4 profiled steps;/);
  });

  it('refuses a bad GAN spec with its path, and a batch without z', async () => {
    writeFileSync(join(dir, 'bad.json'), JSON.stringify({ gan: { ...gan, generator: { layers: [{ type: 'dense', units: 3 }] } } }));
    const r = await run('train', '--config', join(dir, 'bad.json'));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').filter((l) => l.startsWith('gradscope:'))).toEqual([
      "gradscope: gan.generator.layers: expected a last layer of width 2 (the generator's samples have the data's 2 features), got \"width 3\"",
    ]);
    writeFileSync(join(dir, 'nob.safetensors'), writeSafetensors({ x: f32Tensor([2, 2], new Float32Array(4)) }));
    const g = await run('gradients', '--config', config, '--weights', join(dir, 'out', 'model.safetensors'), '--batch', join(dir, 'nob.safetensors'), '--out', join(dir, 'x.safetensors'));
    expect(g.code).toBe(1);
    expect(g.stderr).toMatch(/needs tensors "z" \(F32 \[B, 3\]\) and "x" \(F32 \[B, 2\]\)/);
  });
});
