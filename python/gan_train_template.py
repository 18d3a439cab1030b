#!/usr/bin/env python3
"""A gradscope GAN run as a PyTorch project, written by `gradscope export --config {{config}}`.

The same generator and discriminator (state_dict names generator.* and discriminator.*, as
gradscope's GAN checkpoints), the same initial weights (init.safetensors), the same target
samples (data.safetensors), the same real batches in the same order (gradscope's seeded batcher)
and the same noise z (gradscope draws it on the CPU with its seeded Mulberry32 generator, ported
in gradscope_data.py), and the same adversarial step as `gradscope train`
(src/engine/gan/trainer.ts): D_STEPS discriminator updates on a real batch against G(fresh z),
then one generator update through D. From any directory:

    python3 train.py [--steps N] [--out RUN] [--device cpu|cuda]

writes RUN/metrics.jsonl (gradscope's GAN format: the adversarial scalars and one record per
network) every LOG_EVERY steps and RUN/model.safetensors (a gradscope GAN checkpoint). RUN
defaults to ./run beside this file. One process: DistributedDataParallel is not set up for GANs.
"""
import argparse
import contextlib
import json
import math
import os
import sys

import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from gradscope_data import Batcher, Rng, read_safetensors, write_safetensors  # noqa: E402
{{imports}}
from gradscope_torch import Recorder  # noqa: E402

{{constants}}


{{model}}


def softplus(l):
    """max(l, 0) + log1p(exp(−|l|)): never overflows (shaders/gan_losses.wgsl)."""
    return l.clamp(min=0) + torch.log1p(torch.exp(-l.abs()))


def loss_term(logits, term):
    """(mean loss, mean D value) of one loss term on D's logits, as shaders/gan_losses.wgsl:
    bce ℓ = softplus(l) − t·l, value σ(l); saturating ℓ = −softplus(l) = log(1 − σ(l)), value σ(l);
    squares ℓ = ½(l − t)², value l."""
    kind, target = term
    l = logits.reshape(-1)
    if kind == 'bce':
        return (softplus(l) - target * l).mean(), torch.sigmoid(l).mean()
    if kind == 'saturating':
        return (-softplus(l)).mean(), torch.sigmoid(l).mean()
    return (0.5 * (l - target) ** 2).mean(), l.mean()


{{optimizer}}


{{clip}}


def number(v):
    v = float(v)
    return v if math.isfinite(v) else None  # JSON has no NaN: gradscope writes null too


class Noise:
    """gradscope's z: (D_STEPS + 1)·BATCH_SIZE rows per step from one seeded stream, row k·B.. for
    D step k and the last B rows for the G step (drawn in float64, stored as float32)."""

    def __init__(self, device):
        self.rng, self.device = Rng(SEED).fork(0x2015), device

    def next_step(self):
        draw = self.rng.normal if NOISE == 'gaussian' else lambda: self.rng.uniform(-1, 1)
        z = [draw() for _ in range((D_STEPS + 1) * BATCH_SIZE * LATENT)]
        return torch.tensor(z, dtype=torch.float32, device=self.device).reshape(D_STEPS + 1, BATCH_SIZE, LATENT)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--steps', type=int, default=STEPS)
    parser.add_argument('--out', default=os.path.join(HERE, 'run'))
    parser.add_argument('--device', choices=['cpu', 'cuda'], default=None, help='default: cuda when available')
    args = parser.parse_args()
    if int(os.environ.get('WORLD_SIZE', '1')) > 1:
        sys.exit('train.py: a GAN export runs in one process (no DistributedDataParallel): run it with python3, not torchrun')
    cuda = torch.cuda.is_available() if args.device is None else args.device == 'cuda'
    device = torch.device('cuda' if cuda else 'cpu')
    torch.manual_seed(SEED)  # dropout masks: PyTorch draws its own

    gan = GAN()
    gan.load_state_dict(read_safetensors(os.path.join(HERE, 'init.safetensors'))[0])
    gan.to(device)
    G, D = gan.generator, gan.discriminator
    opt_g, opt_d = make_optimizer_g(G.parameters()), make_optimizer_d(D.parameters())
    real_x = read_safetensors(os.path.join(HERE, 'data.safetensors'))[0]['train.x'].to(device)
    batcher = Batcher(len(real_x), BATCH_SIZE, SEED)
    noise = Noise(device)
    path = os.path.join(args.out, 'metrics.jsonl')
    rec_g = Recorder(G, None, LOG_EVERY, classes=0, prefix='generator.')
    rec_d = Recorder(D, None, LOG_EVERY, classes=0, prefix='discriminator.')
    os.makedirs(args.out, exist_ok=True)
    log = open(path, 'w')

    # Networks whose gradients were not finite: as gradscope's sticky guard, no update of theirs
    # is applied from then on, and the run stops after this step.
    stopped, step = [], 0
    for step in range(1, args.steps + 1):
        z = noise.next_step()
        frozen = FREEZE_GENERATOR_AFTER is not None and step > FREEZE_GENERATOR_AFTER
        for k in range(D_STEPS):
            idx = torch.tensor(batcher.next(), device=device)
            with torch.no_grad():
                fake = G(z[k])  # in training mode: G's batch statistics, as gradscope's G forward
            with rec_d.step(step) if k == D_STEPS - 1 else contextlib.nullcontext():  # D's record: the last D update
                opt_d.zero_grad(set_to_none=True)
                loss_real, d_real = loss_term(D(real_x[idx]), TERMS['real'])  # separate passes: separate batch statistics
                loss_fake, d_fake = loss_term(D(fake), TERMS['fake'])
                d_loss = loss_real + loss_fake
                d_loss.backward()
                rec_d.gradients(d_loss)
                if not math.isfinite(float(clip_gradients_d(D.parameters()))) and 'discriminator' not in stopped:
                    stopped.append('discriminator')
                if 'discriminator' not in stopped:
                    opt_d.step()
        with rec_g.step(step):
            opt_g.zero_grad(set_to_none=True)
            fake = G(z[D_STEPS])
            fake.retain_grad()  # ∂L_G/∂G(z): D's input gradient
            g_loss, d_fake_for_g = loss_term(D(fake), TERMS['generator'])  # D's parameters get gradients here too: zeroed before D's next update
            g_loss.backward()
            rec_g.gradients(g_loss)
            if not math.isfinite(float(clip_gradients_g(G.parameters()))):
                stopped.append('generator')
            if 'generator' not in stopped and not frozen:
                opt_g.step()
        if step == 1 or step % LOG_EVERY == 0:
            r_d, r_g = rec_d.last, rec_g.last
            line = {'step': step, 'dLoss': number(d_loss), 'dLossReal': number(loss_real), 'dLossFake': number(loss_fake), 'gLoss': number(g_loss),
                    'dReal': number(d_real), 'dFake': number(d_fake), 'dFakeForG': number(d_fake_for_g), 'gOutputGradNorm': number(fake.grad.norm()),
                    'nonFinite': r_d['nonFinite'] or r_g['nonFinite'], 'discriminator': r_d, 'generator': r_g}
            log.write(json.dumps(line, allow_nan=False) + '\n')
            log.flush()
        if stopped:
            break
    log.close()

    if stopped:
        what = ' and the '.join(stopped)
        print(f'train.py: training stopped at step {step}: non-finite gradients of the {what}; parameters are those from before that update', file=sys.stderr)
    spec = open(os.path.join(HERE, 'run.json')).read()
    metadata = {'format': 'gradscope-gan', 'spec': json.dumps(json.loads(spec)), 'step': step - (1 if stopped else 0)}
    write_safetensors(os.path.join(args.out, 'model.safetensors'), gan.state_dict(), metadata)
    print(f'wrote {path} and model.safetensors')
    return 3 if stopped else 0


if __name__ == '__main__':
    sys.exit(main())
