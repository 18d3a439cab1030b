# Run by tests/cli/torch-weight-norm.test.ts (skipped where PyTorch is absent): a gradscope
# checkpoint of a net with weight-normalised dense layers loads with load_state_dict (strict) into
# the equivalent torch model, and `gradscope gradients` equals torch autograd on the same weights
# and batch. argv: model.safetensors batch.safetensors grads.safetensors. Prints one JSON line.
import json, struct, sys
import numpy as np, torch, torch.nn as nn
from torch.nn.utils import weight_norm

def read_safetensors(path):  # no safetensors package needed: 8-byte header length, JSON header, raw data
    b = open(path, 'rb').read()
    n = struct.unpack('<Q', b[:8])[0]
    header, data, out = json.loads(b[8:8 + n]), b[8 + n:], {}
    for name, t in header.items():
        if name == '__metadata__': continue
        start, end = t['data_offsets']
        dtype = {'F32': np.float32, 'I32': np.int32, 'I64': np.int64}[t['dtype']]
        out[name] = torch.from_numpy(np.frombuffer(data[start:end], dtype=dtype).reshape(t['shape']).copy())
    return out, header.get('__metadata__', {})

model = nn.Module()  # gradscope's names are layers.i...
model.layers = nn.Sequential(weight_norm(nn.Linear(2, 7)), nn.Tanh(), weight_norm(nn.Linear(7, 5)), nn.BatchNorm1d(5), nn.ReLU(), weight_norm(nn.Linear(5, 3, bias=False)))
state, _ = read_safetensors(sys.argv[1])
model.load_state_dict(state)  # strict: every name and shape must match
batch, _ = read_safetensors(sys.argv[2])
ours, meta = read_safetensors(sys.argv[3])
model.train()
loss = nn.functional.cross_entropy(model.layers(batch['x']), batch['y'].long())
loss.backward()
diffs = {name: (ours[name] - p.grad).abs().max().item() for name, p in model.named_parameters()}
scales = {name: p.grad.abs().max().item() for name, p in model.named_parameters()}
print(json.dumps({'names': sorted(ours), 'torch_names': sorted(diffs), 'loss': [float(meta['loss']), loss.item()], 'max_abs_diff': diffs, 'max_abs_grad': scales}))
