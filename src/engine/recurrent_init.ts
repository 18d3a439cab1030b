// Initial parameters of recurrent layers, seeded. PyTorch's default for nn.RNN / LSTM / GRU is
// U(±1/√H) for all four tensors; `init` replaces weight_hh_l0 per gate block [H, H] (orthogonal,
// or identity as in IRNN, Le et al. 2015), `spectral_radius` then rescales each block to that
// spectral radius, and LSTM `forget_bias` sets the forget block of bias_ih_l0 (and zeroes
// bias_hh_l0's) so the total forget bias is exactly that value.
import { orthogonal } from './init';
import type { LayerInfo } from './model';
import type { Rng } from './rng';
import { isRecurrent } from './spec';

export function initRecurrent(layer: LayerInfo, flat: Float32Array, rng: Rng): void {
  const s = layer.spec;
  if (!isRecurrent(s)) throw new Error(`${layer.path}: not a recurrent layer`);
  const H = s.units;
  const k = 1 / Math.sqrt(H);
  const [wIh, wHh, bIh, bHh] = layer.params;
  for (const p of [wIh, wHh, bIh, bHh]) for (let i = 0; i < p.size; i++) flat[p.offset + i] = rng.uniform(-k, k);
  const gates = wHh.shape[0] / H;
  for (let q = 0; q < gates; q++) {
    const at = wHh.offset + q * H * H;
    if (s.init === 'orthogonal') flat.set(orthogonal(H, H, 1, rng), at);
    else if (s.init === 'identity') for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) flat[at + i * H + j] = +(i === j);
    if (s.spectral_radius !== undefined) {
      const block = flat.subarray(at, at + H * H);
      const rho = spectralRadius(block, H, rng);
      if (rho > 0) for (let i = 0; i < block.length; i++) block[i] *= s.spectral_radius / rho;
    }
  }
  if (s.type === 'lstm' && s.forget_bias !== undefined) {
    flat.fill(s.forget_bias, bIh.offset + H, bIh.offset + 2 * H);
    flat.fill(0, bHh.offset + H, bHh.offset + 2 * H);
  }
}

/**
 * max |eigenvalue| of W [n, n], as the growth rate of ‖Wᵏv‖: power iteration, averaging log
 * growth over the later half of 400 steps (also right when the top eigenvalues are a complex
 * pair, which plain power iteration does not converge on; within about 1% for the sizes used here).
 */
export function spectralRadius(w: ArrayLike<number>, n: number, rng: Rng): number {
  let v = Float64Array.from({ length: n }, () => rng.normal());
  const steps = 400;
  let logSum = 0;
  for (let s = 0; s < steps; s++) {
    const u = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) u[i] += w[i * n + j] * v[j];
    const norm = Math.hypot(...u);
    if (norm === 0) return 0;
    if (s >= steps / 2) logSum += Math.log(norm);
    v = u.map((x) => x / norm);
  }
  return Math.exp(logSum / (steps / 2));
}
