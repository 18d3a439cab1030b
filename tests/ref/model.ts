// A float64 CPU forward pass of a whole model (dense with or without weight norm, activation, batchnorm and layernorm in
// training mode, residual) and its loss: the reference the engine's gradients are checked
// against, by central finite differences of this function. Recurrent layers come from ./rnn.ts.
import type { LayerSpec, Loss } from '../../src/engine/spec';
import { GATES as RNN_GATES, recurrentForward } from './rnn';
import { weightNormForward } from './weight_norm';

export type Params = Map<string, Float64Array>;

const ACT: Record<string, (x: number) => number> = {
  identity: (x) => x,
  sigmoid: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  relu: (x) => Math.max(x, 0),
  leaky_relu: (x) => (x > 0 ? x : 0.01 * x),
  elu: (x) => (x > 0 ? x : Math.expm1(x)),
  gelu: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)),
  silu: (x) => x / (1 + Math.exp(-x)),
  softplus: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))),
  softsign: (x) => x / (1 + Math.abs(x)),
};

function erf(x: number): number {
  // Abramowitz-Stegun 7.1.26 is too coarse for a float64 reference: use a series / continued fraction.
  const t = Math.abs(x);
  if (t < 3) {
    let sum = t;
    let term = t;
    for (let n = 1; n < 80; n++) {
      term *= (-t * t) / n;
      sum += term / (2 * n + 1);
    }
    return Math.sign(x) * (2 / Math.sqrt(Math.PI)) * sum;
  }
  return Math.sign(x);
}

/** rows × width matrix, row-major, float64 */
type M = { rows: number; cols: number; v: Float64Array };

function layerForward(l: LayerSpec, prefix: string, x: M, p: Params): M {
  const out = (cols: number): M => ({ rows: x.rows, cols, v: new Float64Array(x.rows * cols) });
  switch (l.type) {
    case 'dense': {
      // Weight norm (torch.nn.utils.weight_norm, dim 0): w = g·v/‖v‖ per output row.
      const w = l.weight_norm ? weightNormForward(p.get(`${prefix}.weight_v`)!, p.get(`${prefix}.weight_g`)!, l.units, x.cols).w : p.get(`${prefix}.weight`)!;
      const b = p.get(`${prefix}.bias`);
      const y = out(l.units);
      for (let r = 0; r < x.rows; r++) {
        for (let o = 0; o < l.units; o++) {
          let s = b ? b[o] : 0;
          for (let i = 0; i < x.cols; i++) s += x.v[r * x.cols + i] * w[o * x.cols + i];
          y.v[r * l.units + o] = s;
        }
      }
      return y;
    }
    case 'activation': {
      const y = out(x.cols);
      const f = ACT[l.fn];
      if (!f) throw new Error(`no reference for ${l.fn}`);
      for (let i = 0; i < y.v.length; i++) y.v[i] = f(x.v[i]);
      return y;
    }
    case 'batchnorm':
    case 'layernorm': {
      const g = p.get(`${prefix}.weight`)!;
      const b = p.get(`${prefix}.bias`)!;
      const y = out(x.cols);
      const byColumn = l.type === 'batchnorm';
      const groups = byColumn ? x.cols : x.rows;
      const n = byColumn ? x.rows : x.cols;
      const at = (gi: number, k: number) => (byColumn ? k * x.cols + gi : gi * x.cols + k);
      for (let gi = 0; gi < groups; gi++) {
        let mean = 0;
        for (let k = 0; k < n; k++) mean += x.v[at(gi, k)];
        mean /= n;
        let vr = 0;
        for (let k = 0; k < n; k++) vr += (x.v[at(gi, k)] - mean) ** 2;
        vr /= n;
        const rstd = 1 / Math.sqrt(vr + 1e-5);
        for (let k = 0; k < n; k++) {
          const c = byColumn ? gi : k;
          y.v[at(gi, k)] = (x.v[at(gi, k)] - mean) * rstd * g[c] + b[c];
        }
      }
      return y;
    }
    case 'residual': {
      const inner = forwardLayers(l.layers, `${prefix}.layers`, x, p);
      const y = out(x.cols);
      for (let i = 0; i < y.v.length; i++) y.v[i] = x.v[i] + inner.v[i];
      return y;
    }
    case 'dropout':
      throw new Error('no float64 reference for dropout (its mask is the kernel hash)');
    case 'rnn':
    case 'lstm':
    case 'gru': {
      // Recurrent layers: tests/ref/rnn.ts; x is [rows, T·F], F from weight_ih_l0 [G·H, F].
      const cell = l.type === 'rnn' ? (l.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh') : l.type;
      const H = l.units;
      const w = { wIh: p.get(`${prefix}.weight_ih_l0`)!, wHh: p.get(`${prefix}.weight_hh_l0`)!, bIh: p.get(`${prefix}.bias_ih_l0`)!, bHh: p.get(`${prefix}.bias_hh_l0`)! };
      const F = w.wIh.length / (RNN_GATES[cell] * H);
      const T = x.cols / F;
      const v = recurrentForward(cell, { B: x.rows, T, F, H, seq: l.return_sequences }, x.v, w);
      return { rows: x.rows, cols: v.length / x.rows, v };
    }
  }
}

export function forwardLayers(layers: LayerSpec[], prefix: string, x: M, p: Params): M {
  layers.forEach((l, i) => (x = layerForward(l, `${prefix}.${i}`, x, p)));
  return x;
}

/** Mean loss of the model on x [rows, features] with targets (labels or [rows, outputs]). */
export function referenceLoss(layers: LayerSpec[], loss: Loss, p: Params, x: Float64Array, rows: number, targets: ArrayLike<number>): number {
  const y = forwardLayers(layers, 'layers', { rows, cols: x.length / rows, v: x }, p);
  let total = 0;
  for (let r = 0; r < rows; r++) {
    const row = y.v.subarray(r * y.cols, (r + 1) * y.cols);
    if (loss === 'cross_entropy') {
      const m = Math.max(...row);
      const lse = m + Math.log(row.reduce((a, v) => a + Math.exp(v - m), 0));
      total += lse - row[targets[r]];
    } else {
      for (let c = 0; c < y.cols; c++) {
        const z = row[c];
        const t = targets[r * y.cols + c];
        total += loss === 'mse' ? (z - t) ** 2 : Math.max(z, 0) - z * t + Math.log1p(Math.exp(-Math.abs(z)));
      }
    }
  }
  return loss === 'cross_entropy' ? total / rows : total / (rows * y.cols);
}
