"""Layers of a gradscope model that torch.nn does not have as such, with gradscope's state_dict
names: a residual block (`layers.i.layers.j...`) and recurrent layers that read gradscope's
flattened sequences [batch, T*features] and keep nn.RNN/LSTM/GRU's own parameter names
(`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`; one layer, batch_first). Weight
normalisation is torch's own weight_norm (dim 0: `weight_g` [out, 1], `weight_v` [out, in]).
"""
from torch import nn
from torch.nn.utils import weight_norm  # noqa: F401  (train.py imports it from here)


class Residual(nn.Module):
    """out = x + layers(x)"""
    gradscope_type = 'residual'

    def __init__(self, *layers):
        super().__init__()
        self.layers = nn.Sequential(*layers)

    def forward(self, x):
        return x + self.layers(x)


class _Sequence:
    """[B, T*F] in; [B, T*H] out with return_sequences, else the last step's [B, H]."""

    def forward(self, x):
        y, _ = super().forward(x.reshape(x.shape[0], self.time, self.input_size))
        return y.reshape(x.shape[0], -1) if self.return_sequences else y[:, -1]


class RNN(_Sequence, nn.RNN):
    gradscope_type = 'rnn'

    def __init__(self, features, units, time, return_sequences, nonlinearity='tanh'):
        super().__init__(features, units, nonlinearity=nonlinearity, batch_first=True)
        self.time, self.return_sequences = time, return_sequences


class LSTM(_Sequence, nn.LSTM):
    gradscope_type = 'lstm'

    def __init__(self, features, units, time, return_sequences):
        super().__init__(features, units, batch_first=True)
        self.time, self.return_sequences = time, return_sequences


class GRU(_Sequence, nn.GRU):
    gradscope_type = 'gru'

    def __init__(self, features, units, time, return_sequences):
        super().__init__(features, units, batch_first=True)
        self.time, self.return_sequences = time, return_sequences
