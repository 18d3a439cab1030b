# Run by tests/cli/torch-gan-gradients.test.ts (skipped where PyTorch is absent): a gradscope GAN
# checkpoint loads with load_state_dict (strict) into torch modules `generator` and
# `discriminator`, and `gradscope gradients` on a GAN batch (z, x) equals torch autograd:
# D's gradients of D's loss (real and generated passes, each with its own batch statistics) and
# G's gradients of G's loss through D, training mode. argv: model.safetensors batch.safetensors
# grads.safetensors. Prints one JSON line.
import json, os, sys
import torch, torch.nn as nn, torch.nn.functional as F
sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'python'))
from gradscope_data import read_safetensors  # noqa: E402
from gradscope_layers import Residual  # noqa: E402

ACT = {'relu': nn.ReLU, 'tanh': nn.Tanh, 'sigmoid': nn.Sigmoid, 'leaky_relu': lambda: nn.LeakyReLU(0.01), 'identity': nn.Identity}

def build(layers, width):
    mods = []
    for l in layers:
        t = l['type']
        if t == 'dense':
            mods.append(nn.Linear(width, l['units'], bias=l.get('bias', True))); width = l['units']
        elif t == 'activation': mods.append(ACT[l['fn']]())
        elif t == 'batchnorm': mods.append(nn.BatchNorm1d(width))
        elif t == 'layernorm': mods.append(nn.LayerNorm(width))
        elif t == 'residual': mods.append(Residual(*build(l['layers'], width)[0]))
        else: raise SystemExit(f'no torch layer for {t}')
    return mods, width

def tensors(path):
    t, meta = read_safetensors(path)
    return {k: torch.as_tensor(v) for k, v in t.items()}, meta

state, meta = tensors(sys.argv[1])
spec = json.loads(meta['spec'])
g = spec['gan']
model = nn.Module()
model.generator = nn.Module(); model.generator.layers = nn.Sequential(*build(g['generator']['layers'], g['latent'])[0])
model.discriminator = nn.Module(); model.discriminator.layers = nn.Sequential(*build(g['discriminator']['layers'], 2)[0])
model.load_state_dict(state)  # strict: every name and shape must match
model.train()
batch, _ = tensors(sys.argv[2])
z, x = batch['z'].float(), batch['x'].float()
G, D = model.generator.layers, model.discriminator.layers
loss_kind = g.get('generator_loss', 'non_saturating')

def d_loss(real, fake):
    if loss_kind == 'least_squares': return 0.5 * ((real - 1) ** 2).mean() + 0.5 * (fake ** 2).mean()
    return F.binary_cross_entropy_with_logits(real, torch.ones_like(real)) + F.binary_cross_entropy_with_logits(fake, torch.zeros_like(fake))

def g_loss(fake):
    if loss_kind == 'least_squares': return 0.5 * ((fake - 1) ** 2).mean()
    if loss_kind == 'saturating': return -F.softplus(fake).mean()  # mean log(1 - sigmoid(l))
    return F.softplus(-fake).mean()  # BCE-with-logits(l, 1)

# D's loss: the generated batch is a constant for D (G's parameters get no gradient from it).
ld = d_loss(D(x), D(G(z).detach()))
dgrads = torch.autograd.grad(ld, list(D.parameters()))
lg = g_loss(D(G(z)))
ggrads = torch.autograd.grad(lg, list(G.parameters()))
ours, ometa = tensors(sys.argv[3])
diffs, scales = {}, {}
for prefix, mod, grads in (('discriminator.layers', D, dgrads), ('generator.layers', G, ggrads)):
    for (name, _), gr in zip(mod.named_parameters(), grads):
        full = f'{prefix}.{name}'
        diffs[full] = (ours[full] - gr).abs().max().item()
        scales[full] = gr.abs().max().item()
print(json.dumps({'names': sorted(ours), 'torch_names': sorted(diffs), 'd_loss': [float(ometa['d_loss']), ld.item()], 'g_loss': [float(ometa['g_loss']), lg.item()], 'max_abs_diff': diffs, 'max_abs_grad': scales}))
