// gradscope's GAN gradients against PyTorch (tests/cli/torch_gan_gradients.py; skipped unless a
// python3 with torch is found): on random generator/discriminator pairs with batch norm, layer
// norm and a residual block inside, for all three generator losses, a checkpoint after a few
// training steps loads into torch with load_state_dict (strict), and `gradients` on a batch of z
// and x equals torch autograd: both losses to 1e-5 relative, every tensor's gradient to
// |Δ| ≤ 1e-6 + 1e-4·max|grad|.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { f32Tensor, writeSafetensors } from '../../src/engine/safetensors';
import { py, python, skipReason } from './python';
import { runCli } from './run';

const nets = {
  generator: { layers: [{ type: 'dense', units: 9 }, { type: 'batchnorm' }, { type: 'activation', fn: 'relu' }, { type: 'residual', layers: [{ type: 'dense', units: 9 }, { type: 'activation', fn: 'tanh' }] }, { type: 'dense', units: 2 }] },
  discriminator: { layers: [{ type: 'dense', units: 7 }, { type: 'layernorm' }, { type: 'activation', fn: 'leaky_relu' }, { type: 'dense', units: 5 }, { type: 'batchnorm' }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 1 }] },
};

describe.skipIf(!python)(`GAN gradients against PyTorch${skipReason}`, () => {
  it.each(['saturating', 'non_saturating', 'least_squares'])('%s: checkpoint loads strictly, both losses and every gradient match torch autograd', async (loss) => {
    const dir = mkdtempSync(join(tmpdir(), 'gradscope-torch-gan-'));
    const config = join(dir, 'gan.json');
    writeFileSync(config, JSON.stringify({ gan: { latent: 3, ...nets, generator_loss: loss, d_steps: 2 }, data: { name: 'ring', samples: 300 }, batch_size: 16, steps: 12, seed: 5, log_every: 6 }));
    let r = await runCli(['train', '--config', config, '--out', join(dir, 'out')]);
    expect(r.code, r.stderr).toBe(0);
    const B = 13; // not a multiple of anything the kernels tile by
    const z = Float32Array.from({ length: B * 3 }, (_, i) => Math.sin(0.9 * i + 1));
    const x = Float32Array.from({ length: B * 2 }, (_, i) => 2 * Math.cos(1.7 * i));
    writeFileSync(join(dir, 'batch.safetensors'), writeSafetensors({ z: f32Tensor([B, 3], z), x: f32Tensor([B, 2], x) }));
    r = await runCli(['gradients', '--config', config, '--weights', join(dir, 'out', 'model.safetensors'), '--batch', join(dir, 'batch.safetensors'), '--out', join(dir, 'g.safetensors')]);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse((await py([join(process.cwd(), 'tests/cli/torch_gan_gradients.py'), join(dir, 'out', 'model.safetensors'), join(dir, 'batch.safetensors'), join(dir, 'g.safetensors')])).trim().split('\n').at(-1)!) as {
      names: string[]; torch_names: string[]; d_loss: [number, number]; g_loss: [number, number]; max_abs_diff: Record<string, number>; max_abs_grad: Record<string, number>;
    };
    expect(out.names).toEqual(out.torch_names);
    expect(out.names).toContain('generator.layers.3.layers.0.weight');
    for (const [ours, theirs] of [out.d_loss, out.g_loss]) expect(Math.abs(ours - theirs)).toBeLessThanOrEqual(1e-5 * Math.abs(theirs) + 1e-7);
    for (const name of out.names) expect(out.max_abs_diff[name], `${name}: max |Δ| vs max |grad| ${out.max_abs_grad[name]}`).toBeLessThanOrEqual(1e-6 + 1e-4 * out.max_abs_grad[name]);
  }, 240_000);
});
