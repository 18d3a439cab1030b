"""Writes gradscope's metrics.jsonl from any PyTorch training loop, so that its gradient flow can be
read in the gradscope lab ("Open run...") beside gradscope's own runs. One file; needs only torch.

    from gradscope_torch import Recorder
    recorder = Recorder(model, 'run/metrics.jsonl', log_every=10)
    for step in range(1, steps + 1):
        with recorder.step(step):                  # hooks are armed only on logged steps
            logits = model(x); loss = loss_fn(logits, y); loss.backward()
            recorder.gradients(loss, logits, labels)   # before clipping: the raw gradients
            optimizer.step(); optimizer.zero_grad()

Each logged line holds what `gradscope train --out` writes (src/engine/diagnostics.ts): loss,
batch accuracy, per-tensor gradient norm, weight norm and update/weight ratio, per-layer output
statistics with saturated (sigmoid, tanh) and dead (ReLU) fractions, log10|gradient| histograms
of the weight tensors (2 or more dimensions; weight_v, not weight_g), and ||dL/dh_t|| for every
recurrent layer.

It does not change the training: forward hooks only read outputs when they are produced (so an
in-place ReLU after a layer cannot change what was measured), gradients are read through tensor
hooks rather than full backward hooks (which break on in-place ops, pytorch#61519), and
||dL/dh_t|| comes from a separate, detached replay of the recurrent layer.
"""
import contextlib
import json
import math
import os

import torch
from torch import nn

HISTOGRAM = {'bins': 48, 'lo': -12, 'hi': 4}  # log10|g| from 1e-12 to 1e4, as gradscope
_TINY = 1.1754943508222875e-38  # below the smallest normal f32: bin 0, as gradscope (GPUs flush subnormals)

_TYPES = {
    nn.Linear: 'dense', nn.BatchNorm1d: 'batchnorm', nn.SyncBatchNorm: 'batchnorm', nn.LayerNorm: 'layernorm',
    nn.Dropout: 'dropout',
    nn.RNN: 'rnn', nn.LSTM: 'lstm', nn.GRU: 'gru', nn.Identity: 'identity', nn.Sigmoid: 'sigmoid',
    nn.Tanh: 'tanh', nn.ReLU: 'relu', nn.LeakyReLU: 'leaky_relu', nn.ELU: 'elu', nn.SELU: 'selu',
    nn.SiLU: 'silu', nn.Softplus: 'softplus', nn.Softsign: 'softsign',
}


def layer_type(m):
    """gradscope's name for a module's kind (its class name, lowercased, if gradscope has none)."""
    if hasattr(m, 'gradscope_type'):
        return m.gradscope_type
    if isinstance(m, nn.GELU):
        return 'gelu_tanh' if m.approximate == 'tanh' else 'gelu'
    for cls, name in _TYPES.items():
        if isinstance(m, cls):
            return name
    return type(m).__name__.lower()


def default_layers(model):
    """Every named module but the root and plain containers, in forward (pre-)order."""
    containers = (nn.Sequential, nn.ModuleList, nn.ModuleDict)
    return [(n, m) for n, m in model.named_modules() if n and not isinstance(m, containers)]


def is_weight(name, p):
    """A weight matrix (gradscope's role "weight"): 2 or more dimensions, not a weight-norm gain."""
    return p.dim() >= 2 and not name.endswith('weight_g')


def _finite(v):
    v = float(v)
    return v if math.isfinite(v) else None  # JSON has no NaN: gradscope writes null too


def _stats(name, kind, y):
    y = y.detach().float().reshape(y.shape[0], -1)
    a = y.abs()
    bad = bool(torch.isnan(y).any())
    below, above = float((a < 0.01).float().mean()), float((a > 0.99).float().mean())
    saturated = None if kind not in ('tanh', 'sigmoid') else (math.nan if bad else above if kind == 'tanh' else below + above)
    dead = float((y <= 0).all(0).float().mean()) if kind == 'relu' else None
    return {'name': name, 'type': kind, 'mean': _finite(y.mean()), 'std': _finite(y.std(unbiased=False)),
            'min': _finite(y.min()), 'max': _finite(y.max()), 'saturated': None if saturated is None else _finite(saturated), 'dead': dead}


def log10_histogram(g):
    """Counts of log10|g| in HISTOGRAM's bins; tiny and zero values in bin 0, Inf in the last, NaN in none."""
    bins, lo, hi = HISTOGRAM['bins'], HISTOGRAM['lo'], HISTOGRAM['hi']
    a = g.detach().float().abs().flatten()
    a = a[~torch.isnan(a)]
    t = torch.floor((torch.log10(a) - lo) * (bins / (hi - lo))).clamp(0, bins - 1)
    t[a < _TINY] = 0
    return torch.bincount(t.long(), minlength=bins).tolist()


class Recorder:
    """Writes one gradscope StepRecord per logged step (step 1 and every `log_every` steps) to
    `path` (emptied first). `layers`: the (name, module) pairs whose outputs are measured (default:
    every module but the root and plain containers); `classes=0` for regression (no accuracy).
    `path=None` writes nothing and keeps each record in `last` (a GAN's line holds two networks'
    records); `prefix` goes before every parameter and layer name (`generator.`). A module called
    several times in one logged step (a discriminator on real, then on generated samples) is
    measured on its first call."""

    def __init__(self, model, path, log_every=10, layers=None, classes=None, prefix=''):
        self.model, self.path, self.log_every = model, path, log_every
        self.layers = [(prefix + n, m) for n, m in (layers if layers is not None else default_layers(model))]
        self.params = [(prefix + n, p) for n, p in model.named_parameters() if p.requires_grad]
        self.classes = classes
        if path is not None:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
            open(path, 'w').close()
        self._record = self.last = None

    def logs(self, step):
        return step == 1 or step % self.log_every == 0

    @contextlib.contextmanager
    def step(self, step):
        """Around one training step: forward, backward, gradients(...), optimizer.step()."""
        if not self.logs(step):
            yield None
            return
        self._record = {'step': step, 'layers': [], 'recurrent': []}
        self._before = [p.detach().clone() for _, p in self.params]
        hooks = [m.register_forward_hook(self._forward_hook(n, m)) for n, m in self.layers]
        try:
            yield self._record
        finally:
            for h in hooks:
                h.remove()
        if 'params' in self._record:
            self.last = self._finish()
            if self.path is not None:
                self._write(self.last)
        self._record = None

    def _forward_hook(self, name, module):
        kind = layer_type(module)

        def hook(m, inputs, output):
            if not torch.is_grad_enabled() or self._record is None:
                return
            if any(l['name'] == name for l in self._record['layers']):
                return  # measured on its first call this step
            y = output[0] if isinstance(output, tuple) else output
            self._record['layers'].append(_stats(name, kind, y))
            if isinstance(m, nn.RNNBase) and y.requires_grad:
                entry = {'name': name, 'module': m, 'x': inputs[0].detach(), 'y_shape': y.shape, 'dy': None}
                y.register_hook(lambda dy: entry.__setitem__('dy', dy.detach()))  # a tensor hook: reads, never changes
                self._record['recurrent'].append(entry)
        return hook

    def gradients(self, loss, logits=None, labels=None, loss_value=None, accuracy=None):
        """After backward, before clipping: the raw gradients, the loss and the batch accuracy."""
        r = self._record
        if r is None:
            return
        r['loss'] = _finite(loss if loss_value is None else loss_value)
        if accuracy is None and logits is not None and labels is not None and self.classes != 0:
            accuracy = batch_accuracy(logits, labels)
        r['accuracy'] = accuracy
        r['params'] = [{'name': n, 'gradNorm': float(p.grad.detach().float().norm()) if p.grad is not None else 0.0} for n, p in self.params]
        r['histograms'] = [{'name': n, 'counts': log10_histogram(p.grad)} for n, p in self.params if is_weight(n, p) and p.grad is not None]
        r['hiddenGradNorms'] = [{'name': e['name'], 'norms': hidden_grad_norms(e['module'], e['x'], e['dy'], e['y_shape'])} for e in r['recurrent'] if e['dy'] is not None]
        # Not finite, or a norm that overflows float32 (gradscope's guard sums g² in float32 too).
        bad = [e['name'] for e, (_, p) in zip(r['params'], self.params) if p.grad is not None and not (math.isfinite(e['gradNorm']) and bool(torch.isfinite(p.grad).all()))]
        r['nonFinite'] = {'step': r['step'], 'where': f'gradient of {bad[-1]}'} if bad else None

    def _finish(self):
        r = self._record
        order = {name: i for i, (name, _) in enumerate(self.layers)}
        r['layers'].sort(key=lambda l: order[l['name']])  # hooks fire as modules end: a block after its layers
        bad = next((l for l in r['layers'] if l['mean'] is None or l['std'] is None), None)
        if r['nonFinite'] and bad:
            r['nonFinite']['where'] = f"output of {bad['name']} ({bad['type']})"
        for (n, p), before, entry in zip(self.params, self._before, r['params']):
            w = float(p.detach().float().norm())
            entry['weightNorm'] = w
            entry['updateRatio'] = float((p.detach() - before).float().norm()) / (w or 1)
        for entry in r['params']:
            for k in ('gradNorm', 'weightNorm', 'updateRatio'):
                entry[k] = _finite(entry[k])
        norms = [e['gradNorm'] for e in r['params']]
        total = None if None in norms else math.sqrt(sum(g * g for g in norms))  # not finite: null, as gradscope
        return {'step': r['step'], 'loss': r['loss'], 'accuracy': r['accuracy'], 'params': r['params'],
                'globalGradNorm': total if total is None else _finite(total), 'layers': r['layers'], 'histograms': r['histograms'],
                'nonFinite': r['nonFinite'], 'hiddenGradNorms': r['hiddenGradNorms']}

    def _write(self, record):
        with open(self.path, 'a') as f:
            f.write(json.dumps(record, allow_nan=False) + '\n')


def batch_accuracy(logits, labels):
    """gradscope's accuracy: one output is a logit (> 0: class 1), several an argmax (first max)."""
    logits = logits.detach()
    pred = (logits[:, 0] > 0).long() if logits.shape[1] == 1 else logits.argmax(1)
    return float((pred == labels.reshape(-1).long()).float().mean())


def hidden_grad_norms(m, x, dy, y_shape):
    """||dL/dh_t|| over the batch for t = 0..T-1: output and recurrence paths both. A detached
    replay of the layer (its own weights, input and output gradient), so training is untouched."""
    time_major = x.dim() == 3 and not m.batch_first
    x = x.transpose(0, 1) if time_major else x.reshape(x.shape[0], -1, m.input_size)  # [B, T, F]
    B = x.shape[0]
    W = {k: getattr(m, k).detach() for k in ('weight_ih_l0', 'weight_hh_l0', 'bias_ih_l0', 'bias_hh_l0')}
    with torch.enable_grad():
        h = x.new_zeros(B, m.hidden_size).requires_grad_()  # so that every h_t is part of the graph
        c = x.new_zeros(B, m.hidden_size)
        hs = []
        for t in range(x.shape[1]):
            gi = x[:, t] @ W['weight_ih_l0'].T + W['bias_ih_l0']
            gh = h @ W['weight_hh_l0'].T + W['bias_hh_l0']
            if isinstance(m, nn.LSTM):
                i, f, g, o = (gi + gh).chunk(4, 1)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            elif isinstance(m, nn.GRU):
                ir, iz, inn = gi.chunk(3, 1)
                hr, hz, hn = gh.chunk(3, 1)
                r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
                h = (1 - z) * torch.tanh(inn + r * hn) + z * h
            else:
                h = torch.tanh(gi + gh) if m.nonlinearity == 'tanh' else torch.relu(gi + gh)
            h.retain_grad()
            hs.append(h)
        seq = torch.stack(hs, 1)  # [B, T, H]
        y = hs[-1] if dy.numel() != seq.numel() else seq.transpose(0, 1) if time_major else seq.reshape(y_shape)
        (y * dy.reshape(y.shape)).sum().backward()
    return [_finite(hh.grad.norm()) for hh in hs]
