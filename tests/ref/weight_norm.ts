// float64 reference for shaders/weight_norm.wgsl: w = g·v/‖v‖ per row of v [rows, cols] (PyTorch's
// torch.nn.utils.weight_norm with dim=0) and the gradients of L = Σ dW ⊙ w, written out analytically.

export function weightNormForward(v: ArrayLike<number>, g: ArrayLike<number>, rows: number, cols: number): { w: Float64Array; norm: Float64Array } {
  const w = new Float64Array(rows * cols);
  const norm = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) norm[r] += v[r * cols + k] ** 2;
    norm[r] = Math.sqrt(norm[r]);
    for (let k = 0; k < cols; k++) w[r * cols + k] = (g[r] * v[r * cols + k]) / norm[r];
  }
  return { w, norm };
}

/** dg[r] = (dW_r·v_r)/‖v_r‖, dv = g/‖v‖·(dW − dg·v/‖v‖) */
export function weightNormBackward(v: ArrayLike<number>, g: ArrayLike<number>, dw: ArrayLike<number>, rows: number, cols: number): { dg: Float64Array; dv: Float64Array } {
  const { norm } = weightNormForward(v, g, rows, cols);
  const dg = new Float64Array(rows);
  const dv = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) dg[r] += (dw[r * cols + k] * v[r * cols + k]) / norm[r];
    for (let k = 0; k < cols; k++) dv[r * cols + k] = (g[r] / norm[r]) * (dw[r * cols + k] - (dg[r] * v[r * cols + k]) / norm[r]);
  }
  return { dg, dv };
}
