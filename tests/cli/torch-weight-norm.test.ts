// gradscope against PyTorch for weight norm (torch.nn.utils.weight_norm, dim 0), skipped unless a
// python3 with torch is found (`python3`, then /usr/bin/python3): `train` writes a checkpoint that
// loads with load_state_dict (strict) into the equivalent torch model (tests/cli/torch_weight_norm.py),
// and `gradients` on it equals torch autograd (training mode, batch norm included) to float32
// precision: |Δ| ≤ 1e-6 + 1e-4·max|grad| per tensor, the loss to 1e-6 relative.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { f32Tensor, writeSafetensors } from '../../src/engine/safetensors';

const python = ['python3', '/usr/bin/python3'].find((p) => spawnSync(p, ['-c', 'import torch, numpy'], { timeout: 60_000 }).status === 0);
const exec = promisify(execFile);

describe.skipIf(!python)('weight norm against PyTorch', () => {
  it('a checkpoint loads into torch with load_state_dict, and gradients equal torch autograd', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradscope-torch-'));
    const spec = {
      model: { input: 2, layers: [
        { type: 'dense', units: 7, weight_norm: true, weight_norm_init: 'data' }, { type: 'activation', fn: 'tanh' },
        { type: 'dense', units: 5, weight_norm: true, init: 'he_normal' }, { type: 'batchnorm' }, { type: 'activation', fn: 'relu' },
        { type: 'dense', units: 3, weight_norm: true, bias: false },
      ] },
      loss: 'cross_entropy', optimizer: { type: 'adam', lr: 0.01 }, data: { name: 'spiral', classes: 3, samples: 600 }, batch_size: 32, steps: 100, seed: 4, log_every: 50,
    };
    writeFileSync(join(dir, 'run.json'), JSON.stringify(spec));
    const cli = (...args: string[]) => exec('node', ['bin/gradscope.mjs', ...args], { timeout: 120_000 });
    await cli('train', '--config', join(dir, 'run.json'), '--out', join(dir, 'out'));
    const B = 19;
    const x = Float32Array.from({ length: B * 2 }, (_, i) => Math.sin(1.3 * i));
    const y = Int32Array.from({ length: B }, (_, i) => (i * 7) % 3);
    writeFileSync(join(dir, 'batch.safetensors'), writeSafetensors({ x: f32Tensor([B, 2], x), y: { dtype: 'I32', shape: [B], data: new Uint8Array(y.buffer) } }));
    await cli('gradients', '--config', join(dir, 'run.json'), '--weights', join(dir, 'out', 'model.safetensors'), '--batch', join(dir, 'batch.safetensors'), '--out', join(dir, 'g.safetensors'));
    const { stdout } = await exec(python!, ['tests/cli/torch_weight_norm.py', join(dir, 'out', 'model.safetensors'), join(dir, 'batch.safetensors'), join(dir, 'g.safetensors')], { timeout: 120_000 });
    const r = JSON.parse(stdout.trim().split('\n').at(-1)!) as { names: string[]; torch_names: string[]; loss: [number, number]; max_abs_diff: Record<string, number>; max_abs_grad: Record<string, number> };
    expect(r.names).toEqual(r.torch_names);
    expect(r.names).toContain('layers.5.weight_g');
    expect(Math.abs(r.loss[0] - r.loss[1])).toBeLessThan(1e-6 * r.loss[1]);
    for (const name of r.names) expect(r.max_abs_diff[name], `${name}: max |Δ| vs max |grad| ${r.max_abs_grad[name]}`).toBeLessThanOrEqual(1e-6 + 1e-4 * r.max_abs_grad[name]);
  }, 240_000);
});
