"""What reproduces a gradscope run in PyTorch besides the model: safetensors files (read and
written without the `safetensors` package), gradscope's seeded random numbers (Mulberry32,
src/engine/rng.ts) and its batcher (src/engine/data.ts), ported bit for bit so that the batches
come in the same order, epoch after epoch, and the data splits gradscope exported.
"""
import json
import math
import struct

import torch

# --- safetensors: an 8-byte little-endian header length, a JSON header, then the tensor bytes.

_DTYPES = {'F32': torch.float32, 'F64': torch.float64, 'I32': torch.int32, 'I64': torch.int64, 'U8': torch.uint8}
_NAMES = {v: k for k, v in _DTYPES.items()}
MAX_HEADER_BYTES = 100 * 1024 * 1024


def read_safetensors(path):
    """Returns ({name: tensor}, metadata); refuses a malformed file with the reason."""
    with open(path, 'rb') as f:
        blob = f.read()
    if len(blob) < 8:
        raise ValueError(f'{path}: {len(blob)} bytes, too short for the header length')
    (n,) = struct.unpack('<Q', blob[:8])
    if n > MAX_HEADER_BYTES or 8 + n > len(blob):
        raise ValueError(f'{path}: header length {n} is past the end of the file or over {MAX_HEADER_BYTES} bytes')
    header = json.loads(blob[8:8 + n].decode('utf-8'))
    metadata = header.pop('__metadata__', {})
    data = memoryview(blob)[8 + n:]
    tensors = {}
    for name, e in header.items():
        if e['dtype'] not in _DTYPES:
            raise ValueError(f'{path}: {name} has dtype {e["dtype"]}, which this reader does not know')
        begin, end = e['data_offsets']
        t = torch.frombuffer(bytearray(data[begin:end]), dtype=_DTYPES[e['dtype']]) if end > begin else torch.zeros(0, dtype=_DTYPES[e['dtype']])
        tensors[name] = t.reshape(e['shape'])
    return tensors, metadata


def write_safetensors(path, tensors, metadata=None):
    """Writes {name: tensor} (contiguous little-endian bytes, 8-byte aligned data)."""
    header, chunks, offset = {}, [], 0
    if metadata:
        header['__metadata__'] = {k: str(v) for k, v in metadata.items()}
    for name in sorted(tensors, key=lambda k: (-tensors[k].element_size(), k)):
        t = tensors[name].detach().cpu().contiguous()
        raw = t.numpy().tobytes() if t.numel() else b''
        header[name] = {'dtype': _NAMES[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(text)) + text + b''.join(chunks))


# --- gradscope's random numbers: Mulberry32 on a u32 state (Math.imul is a product mod 2^32).

_M = 0xFFFFFFFF


class Rng:
    def __init__(self, state):
        self.state = state & _M

    def next(self):
        """Uniform in [0, 1), the same double as src/engine/rng.ts."""
        self.state = (self.state + 0x6D2B79F5) & _M
        t = self.state
        t = ((t ^ (t >> 15)) * (t | 1)) & _M
        t = (t ^ ((t + (((t ^ (t >> 7)) * (t | 61)) & _M)) & _M)) & _M
        return ((t ^ (t >> 14)) & _M) / 4294967296

    def int(self, n):
        return int(self.next() * n)

    def uniform(self, lo, hi):
        return lo + (hi - lo) * self.next()

    def normal(self):
        """Standard normal: Box-Muller, one value per call, as the engine draws it."""
        u = 1 - self.next()
        v = self.next()
        return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * v)

    def fork(self, salt):
        return Rng((((self.state ^ salt) * 0x9E3779B1) & _M) ^ (salt >> 3))

    def shuffle(self, a):
        """Fisher-Yates in place, drawing as the engine does."""
        for i in range(len(a) - 1, 0, -1):
            j = self.int(i + 1)
            a[i], a[j] = a[j], a[i]


class Batcher:
    """Seeded minibatches without replacement, reshuffled each epoch (src/engine/data.ts)."""

    def __init__(self, n, batch_size, seed):
        self.n, self.batch_size = n, batch_size
        self.rng = Rng(seed).fork(0xBA7C)
        self.epoch = self.position = 0
        self._reshuffle()

    def _reshuffle(self):
        self.order = list(range(self.n))
        self.rng.shuffle(self.order)

    def next(self):
        """Indices of the next batch (wrapping into a new epoch when the data runs out)."""
        out = []
        for _ in range(self.batch_size):
            if self.position == self.n:
                self.epoch += 1
                self.position = 0
                self._reshuffle()
            out.append(self.order[self.position])
            self.position += 1
        return out


def load_data(path, device):
    """The exported splits: x, training targets y (what the loss reads) and class labels."""
    tensors, metadata = read_safetensors(path)
    split = lambda s: {k: tensors[f'{s}.{k}'].to(device) for k in ('x', 'y', 'labels')}
    return {'train': split('train'), 'test': split('test'), 'classes': int(metadata['classes'])}
