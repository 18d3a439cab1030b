// Float64 reference for the recurrent cells (PyTorch nn.RNN / nn.LSTM / nn.GRU semantics, one
// layer, batch_first): forward, and backpropagation through time written out by hand. The
// backward is itself checked against central finite differences of the forward (rnn.test.ts).
// x is [B, T·F]; y is [B, T·H] (return_sequences) or [B, H]; dh is dL/dh_t time-major [T, B, H].
import type { Cell } from '../../src/kernels/rnn';

export const GATES: Record<Cell, number> = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 };
export interface Dims { B: number; T: number; F: number; H: number; seq: boolean }
export interface Weights { wIh: Float64Array; wHh: Float64Array; bIh: Float64Array; bHh: Float64Array }
export interface Grads extends Weights { dx: Float64Array; dh: Float64Array }

const sig = (v: number) => 1 / (1 + Math.exp(-v));

/** a_r = b[r] + Σ_k W[r, k]·v[k] for the G·H rows of W [rows, cols]. */
function affine(w: Float64Array, b: Float64Array, v: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = Float64Array.from(b);
  for (let r = 0; r < rows; r++) for (let k = 0; k < cols; k++) out[r] += w[r * cols + k] * v[k];
  return out;
}

interface StepCache { hPrev: Float64Array; cPrev: Float64Array; a: Float64Array; gx: Float64Array; gh: Float64Array; h: Float64Array; c: Float64Array }

function cellStep(cell: Cell, H: number, gx: Float64Array, gh: Float64Array, hPrev: Float64Array, cPrev: Float64Array) {
  const h = new Float64Array(H);
  const c = new Float64Array(H);
  const a = new Float64Array(4 * H); // activated gates (LSTM i f g o; GRU r z n)
  for (let j = 0; j < H; j++) {
    if (cell === 'rnn_tanh' || cell === 'rnn_relu') {
      const s = gx[j] + gh[j];
      h[j] = cell === 'rnn_tanh' ? Math.tanh(s) : Math.max(s, 0);
    } else if (cell === 'lstm') {
      const [i, f, g, o] = [sig(gx[j] + gh[j]), sig(gx[H + j] + gh[H + j]), Math.tanh(gx[2 * H + j] + gh[2 * H + j]), sig(gx[3 * H + j] + gh[3 * H + j])];
      c[j] = f * cPrev[j] + i * g;
      h[j] = o * Math.tanh(c[j]);
      a[j] = i; a[H + j] = f; a[2 * H + j] = g; a[3 * H + j] = o;
    } else {
      const r = sig(gx[j] + gh[j]);
      const z = sig(gx[H + j] + gh[H + j]);
      const n = Math.tanh(gx[2 * H + j] + r * gh[2 * H + j]);
      h[j] = (1 - z) * n + z * hPrev[j];
      a[j] = r; a[H + j] = z; a[2 * H + j] = n;
    }
  }
  return { h, c, a };
}

function run(cell: Cell, d: Dims, x: ArrayLike<number>, w: Weights) {
  const { B, T, F, H } = d;
  const G = GATES[cell];
  const caches: StepCache[][] = [];
  for (let b = 0; b < B; b++) {
    let hPrev = new Float64Array(H);
    let cPrev = new Float64Array(H);
    const row: StepCache[] = [];
    for (let t = 0; t < T; t++) {
      const xt = Array.from({ length: F }, (_, f) => x[(b * T + t) * F + f]);
      const gx = affine(w.wIh, w.bIh, xt, G * H, F);
      const gh = affine(w.wHh, w.bHh, hPrev, G * H, H);
      const { h, c, a } = cellStep(cell, H, gx, gh, hPrev, cPrev);
      row.push({ hPrev, cPrev, a, gx, gh, h, c });
      hPrev = h;
      cPrev = c;
    }
    caches.push(row);
  }
  return caches;
}

export function recurrentForward(cell: Cell, d: Dims, x: ArrayLike<number>, w: Weights): Float64Array {
  const { B, T, H, seq } = d;
  const caches = run(cell, d, x, w);
  const y = new Float64Array(B * (seq ? T * H : H));
  for (let b = 0; b < B; b++) {
    if (seq) for (let t = 0; t < T; t++) y.set(caches[b][t].h, (b * T + t) * H);
    else y.set(caches[b][T - 1].h, b * H);
  }
  return y;
}

/** Gradients of L = Σ dy ⊙ y with respect to the weights, x, and every h_t. */
export function recurrentBackward(cell: Cell, d: Dims, x: ArrayLike<number>, w: Weights, dy: ArrayLike<number>): Grads {
  const { B, T, F, H, seq } = d;
  const G = GATES[cell];
  const GH = G * H;
  const caches = run(cell, d, x, w);
  const g: Grads = {
    wIh: new Float64Array(GH * F), wHh: new Float64Array(GH * H), bIh: new Float64Array(GH), bHh: new Float64Array(GH),
    dx: new Float64Array(B * T * F), dh: new Float64Array(T * B * H),
  };
  for (let b = 0; b < B; b++) {
    let dhNext = new Float64Array(H); // dL/dh_t through step t+1
    let dcNext = new Float64Array(H); // dL/dc_t through step t+1 (LSTM)
    for (let t = T - 1; t >= 0; t--) {
      const s = caches[b][t];
      const dh = Float64Array.from(dhNext);
      for (let j = 0; j < H; j++) {
        if (seq) dh[j] += dy[(b * T + t) * H + j];
        else if (t === T - 1) dh[j] += dy[b * H + j];
      }
      g.dh.set(dh, (t * B + b) * H);
      const dgx = new Float64Array(GH); // dL/d(W_ih x + b_ih)
      const dgh = new Float64Array(GH); // dL/d(W_hh h + b_hh)
      const dhPrev = new Float64Array(H);
      const dcPrev = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        if (cell === 'rnn_tanh') dgx[j] = dh[j] * (1 - s.h[j] ** 2);
        else if (cell === 'rnn_relu') dgx[j] = s.gx[j] + s.gh[j] > 0 ? dh[j] : 0;
        else if (cell === 'lstm') {
          const [i, f, gg, o] = [s.a[j], s.a[H + j], s.a[2 * H + j], s.a[3 * H + j]];
          const tc = Math.tanh(s.c[j]);
          const dc = dh[j] * o * (1 - tc * tc) + dcNext[j];
          dgx[j] = dc * gg * i * (1 - i);
          dgx[H + j] = dc * s.cPrev[j] * f * (1 - f);
          dgx[2 * H + j] = dc * i * (1 - gg * gg);
          dgx[3 * H + j] = dh[j] * tc * o * (1 - o);
          dcPrev[j] = dc * f;
        } else {
          const [r, z, n] = [s.a[j], s.a[H + j], s.a[2 * H + j]];
          const dn = dh[j] * (1 - z) * (1 - n * n);
          dgx[j] = dn * s.gh[2 * H + j] * r * (1 - r);
          dgx[H + j] = dh[j] * (s.hPrev[j] - n) * z * (1 - z);
          dgx[2 * H + j] = dn;
          dhPrev[j] += dh[j] * z;
        }
      }
      dgh.set(dgx);
      if (cell === 'gru') for (let j = 0; j < H; j++) dgh[2 * H + j] = dgx[2 * H + j] * s.a[j];
      for (let r = 0; r < GH; r++) {
        g.bIh[r] += dgx[r];
        g.bHh[r] += dgh[r];
        for (let f = 0; f < F; f++) {
          g.wIh[r * F + f] += dgx[r] * x[(b * T + t) * F + f];
          g.dx[(b * T + t) * F + f] += dgx[r] * w.wIh[r * F + f];
        }
        for (let k = 0; k < H; k++) {
          g.wHh[r * H + k] += dgh[r] * s.hPrev[k];
          dhPrev[k] += dgh[r] * w.wHh[r * H + k];
        }
      }
      dhNext = dhPrev;
      dcNext = dcPrev;
    }
  }
  return g;
}
