// Weight initialisers for a dense weight W [fanOut, fanIn] (PyTorch layout), seeded: the same
// seed gives bit-identical weights. Formulas follow torch.nn.init; `standard` is Glorot &
// Bengio's (2010) U(±1/√fan_in).
import type { InitSpec } from './spec';
import type { Rng } from './rng';

export function initWeights(spec: InitSpec, fanOut: number, fanIn: number, rng: Rng): Float32Array {
  const n = fanOut * fanIn;
  const w = new Float32Array(n);
  const uniform = (limit: number) => { for (let i = 0; i < n; i++) w[i] = rng.uniform(-limit, limit); };
  const normal = (std: number) => { for (let i = 0; i < n; i++) w[i] = std * rng.normal(); };
  switch (spec.init) {
    case 'zeros': break;
    case 'normal': normal(spec.std ?? 0.01); break;
    case 'uniform': uniform(spec.limit ?? 0.05); break;
    case 'standard': uniform(1 / Math.sqrt(fanIn)); break;
    case 'glorot_uniform': uniform(Math.sqrt(6 / (fanIn + fanOut))); break;
    case 'glorot_normal': normal(Math.sqrt(2 / (fanIn + fanOut))); break;
    case 'he_uniform': uniform(Math.sqrt(6 / fanIn)); break;
    case 'he_normal': normal(Math.sqrt(2 / fanIn)); break;
    case 'lecun_uniform': uniform(Math.sqrt(3 / fanIn)); break;
    case 'lecun_normal': normal(Math.sqrt(1 / fanIn)); break;
    case 'identity': for (let i = 0; i < Math.min(fanOut, fanIn); i++) w[i * fanIn + i] = 1; break;
    case 'orthogonal': w.set(orthogonal(fanOut, fanIn, spec.gain ?? 1, rng)); break;
  }
  return w;
}

/**
 * A (semi-)orthogonal rows×cols matrix as torch.nn.init.orthogonal_ builds it: QR of a normal
 * matrix (of the transpose when rows < cols), with Q's columns sign-corrected by diag(R).
 */
export function orthogonal(rows: number, cols: number, gain: number, rng: Rng): Float64Array {
  const tall = rows >= cols;
  const m = tall ? rows : cols; // Householder QR of an m×k matrix, m >= k
  const k = tall ? cols : rows;
  const a = new Float64Array(m * k); // column-major: a[j*m + i]
  for (let i = 0; i < m * k; i++) a[i] = rng.normal();
  // Modified Gram-Schmidt twice ("twice is enough") gives Q with orthonormal columns and diag(R).
  const q = Float64Array.from(a);
  const rdiag = new Float64Array(k);
  for (let j = 0; j < k; j++) {
    for (let pass = 0; pass < 2; pass++) {
      for (let p = 0; p < j; p++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[p * m + i] * q[j * m + i];
        for (let i = 0; i < m; i++) q[j * m + i] -= dot * q[p * m + i];
      }
    }
    let norm = 0;
    for (let i = 0; i < m; i++) norm += q[j * m + i] ** 2;
    norm = Math.sqrt(norm);
    let r = 0; // R[j][j] = q_j · a_j before normalising, sign as in QR
    for (let i = 0; i < m; i++) r += (q[j * m + i] / norm) * a[j * m + i];
    rdiag[j] = r;
    const s = Math.sign(r) || 1;
    for (let i = 0; i < m; i++) q[j * m + i] = (s * q[j * m + i]) / norm;
  }
  const out = new Float64Array(rows * cols); // row-major rows×cols
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < k; j++) {
      const v = gain * q[j * m + i];
      if (tall) out[i * cols + j] = v;
      else out[j * cols + i] = v;
    }
  }
  return out;
}
