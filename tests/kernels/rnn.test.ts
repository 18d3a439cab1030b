// Recurrent layers (src/kernels/rnn.ts) against the float64 reference in tests/ref/rnn.ts, whose
// backpropagation through time is first checked against central finite differences of its own
// forward. Cells: tanh and relu RNN, LSTM, GRU. Shapes: T = 1, 7, 65 (not multiples of any tile or
// workgroup) with B = 3 and H = 5, return_sequences both ways, and one LSTM and one GRU over
// T = 1000 steps, where dW sums B·T = 3000 rows (reductions over ≥ 2048). The loss is
// L = Σ dy ⊙ y for a random dy. Outputs, gradients and some inputs are canaried (stores past
// the end are caught). Tolerances: forward atol 2e-6 rtol 1e-4; backward atol 1e-5 rtol 2e-3
// (sums over up to 3000 f32 terms); finite differences atol 1e-7 rtol 1e-5 (float64, h = 1e-6).
import { describe, expect, it } from 'vitest';
import { type Tensor } from '../../src/gpu/tensor';
import { GATES, recurrentLayer, type Cell } from '../../src/kernels/rnn';
import { canaried, tensor, useGpu, type Canaried } from '../gpu';
import { asF32, expectClose, numericGrad, uniform } from '../reference';
import { recurrentBackward, recurrentForward, type Dims, type Weights } from '../ref/rnn';

const CELLS: Cell[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
const FWD = { atol: 2e-6, rtol: 1e-4 };
const BWD = { atol: 1e-5, rtol: 2e-3 };

function weights(cell: Cell, d: Dims, seed: number, scale: number): Weights {
  const GH = GATES[cell] * d.H;
  return {
    wIh: asF32(uniform(seed, GH * d.F, -scale, scale)), wHh: asF32(uniform(seed + 1, GH * d.H, -scale, scale)),
    bIh: asF32(uniform(seed + 2, GH, -scale, scale)), bHh: asF32(uniform(seed + 3, GH, -scale, scale)),
  };
}

describe('float64 reference backpropagation through time', () => {
  it.each(CELLS.flatMap((c) => [[c, true], [c, false]] as [Cell, boolean][]))('%s (return_sequences %s) matches finite differences', (cell, seq) => {
    const d: Dims = { B: 2, T: 4, F: 3, H: 3, seq };
    const x = uniform(1, d.B * d.T * d.F);
    const w = weights(cell, d, 10, 0.8);
    const dy = uniform(20, d.B * (seq ? d.T : 1) * d.H);
    const loss = (ww: Weights, xx: Float64Array) => recurrentForward(cell, d, xx, ww).reduce((a, v, i) => a + v * dy[i], 0);
    const g = recurrentBackward(cell, d, x, w, dy);
    const tol = { atol: 1e-7, rtol: 1e-5 };
    for (const k of ['wIh', 'wHh', 'bIh', 'bHh'] as const) {
      expectClose(g[k], numericGrad((v) => loss({ ...w, [k]: v }, x), w[k]), tol, `d/d ${k}`);
    }
    expectClose(g.dx, numericGrad((v) => loss(w, v), x), tol, 'd/dx');
    // dL/dh_t has no input of its own to perturb: the weight gradients above are built from it at
    // every step; at t = T−1 it is the output gradient alone.
    for (let b = 0; b < d.B; b++) {
      for (let j = 0; j < d.H; j++) {
        const want = seq ? dy[(b * d.T + d.T - 1) * d.H + j] : dy[b * d.H + j];
        expect(g.dh[((d.T - 1) * d.B + b) * d.H + j]).toBe(want);
      }
    }
  });
});

describe('recurrent layers on the GPU', () => {
  const gpu = useGpu();

  const cases: [Cell, number, number, number, number, boolean][] = [];
  for (const cell of CELLS) for (const T of [1, 7, 65]) cases.push([cell, 3, T, 2, 5, T !== 7]);
  cases.push(['lstm', 3, 1000, 2, 3, false], ['gru', 3, 1000, 1, 2, true]);

  it.each(cases)('%s B=%i T=%i F=%i H=%i return_sequences=%s: forward and backward match float64', async (cell, B, T, F, H, seq) => {
    const ctx = gpu();
    const d: Dims = { B, T, F, H, seq };
    const G = GATES[cell];
    const x = asF32(uniform(3 + T, B * T * F));
    const w = weights(cell, d, 40 + T, 1 / Math.sqrt(H));
    const yWidth = seq ? T * H : H;
    const dy = asF32(uniform(7 + T, B * yWidth));
    const live: { dispose(): void }[] = [];
    const keep = <X extends { dispose(): void }>(v: X) => (live.push(v), v);
    const c = (data: ArrayLike<number> | number, shape: number[], label: string) => keep(canaried(ctx, data, shape, 'f32', label));
    try {
      const xs = c(x, [B, T * F], 'x');
      const y = c(B * yWidth, [B, yWidth], 'y');
      const wIh = c(w.wIh, [G * H, F], 'wIh');
      const gradTensors = { weightIh: c(G * H * F, [G * H, F], 'dWih'), weightHh: c(G * H * H, [G * H, H], 'dWhh'), biasIh: c(G * H, [G * H], 'dbIh'), biasHh: c(G * H, [G * H], 'dbHh') };
      const dx = c(B * T * F, [B, T * F], 'dx');
      const t = (v: ArrayLike<number>, shape: number[], label: string) => keep(tensor(ctx, v, shape, 'f32', label)) as Tensor;
      const layer = keep(recurrentLayer(ctx, cell, { batch: B, time: T, features: F, hidden: H, returnSequences: seq }, {
        y: y.tensor, x: xs.tensor,
        weights: { weightIh: wIh.tensor, weightHh: t(w.wHh, [G * H, H], 'wHh'), biasIh: t(w.bIh, [G * H], 'bIh'), biasHh: t(w.bHh, [G * H], 'bHh') },
        grads: { weightIh: gradTensors.weightIh.tensor, weightHh: gradTensors.weightHh.tensor, biasIh: gradTensors.biasIh.tensor, biasHh: gradTensors.biasHh.tensor, dx: dx.tensor },
        dy: t(dy, [B, yWidth], 'dy'),
      }));
      ctx.submit([layer.forward, layer.backward!]);
      expectClose(await y.tensor.download(), recurrentForward(cell, d, x, w), FWD, 'y');
      const want = recurrentBackward(cell, d, x, w, dy);
      expectClose(await gradTensors.weightIh.tensor.download(), want.wIh, BWD, 'dW_ih');
      expectClose(await gradTensors.weightHh.tensor.download(), want.wHh, BWD, 'dW_hh');
      expectClose(await gradTensors.biasIh.tensor.download(), want.bIh, BWD, 'db_ih');
      expectClose(await gradTensors.biasHh.tensor.download(), want.bHh, BWD, 'db_hh');
      expectClose(await dx.tensor.download(), want.dx, BWD, 'dx');
      expectClose(await layer.dh!.download(), want.dh, BWD, 'dL/dh_t');
      for (const k of [xs, y, wIh, dx, ...Object.values(gradTensors)] as Canaried[]) await k.check();
    } finally {
      for (const v of live.reverse()) v.dispose();
    }
  });

  it('rejects mismatched shapes naming the tensor', () => {
    const ctx = gpu();
    const tt = (shape: number[], label: string) => tensor(ctx, new Float32Array(shape.reduce((a, b) => a * b, 1)), shape, 'f32', label);
    const weights = { weightIh: tt([8, 2], 'W_ih'), weightHh: tt([8, 2], 'W_hh'), biasIh: tt([8], 'b_ih'), biasHh: tt([8], 'b_hh') };
    const dims = { batch: 2, time: 3, features: 2, hidden: 2, returnSequences: false };
    try {
      expect(() => recurrentLayer(ctx, 'lstm', dims, { y: tt([2, 2], 'y'), x: tt([2, 5], 'x'), weights })).toThrow(/input x must be f32 \[2, 6\]/);
      expect(() => recurrentLayer(ctx, 'gru', dims, { y: tt([2, 2], 'y'), x: tt([2, 6], 'x'), weights })).toThrow(/weight_ih_l0 W_ih must be f32 \[6, 2\]/);
    } finally {
      for (const t of Object.values(weights)) t.dispose();
    }
  });
});
