// float64 references for shaders/norm.wgsl: batch norm (groups = columns) and layer norm
// (groups = rows) in training mode, and their backward passes written out analytically.

export interface NormRef { y: Float64Array; mean: Float64Array; rstd: Float64Array; var: Float64Array }

/** groups = columns (batch norm) or rows (layer norm) of x [rows, cols]. */
export function normForward(x: ArrayLike<number>, rows: number, cols: number, gamma: ArrayLike<number>, beta: ArrayLike<number>, byColumn: boolean, eps = 1e-5): NormRef {
  const groups = byColumn ? cols : rows;
  const n = byColumn ? rows : cols;
  const at = (g: number, k: number) => (byColumn ? k * cols + g : g * cols + k);
  const y = new Float64Array(rows * cols);
  const mean = new Float64Array(groups);
  const vr = new Float64Array(groups);
  const rstd = new Float64Array(groups);
  for (let g = 0; g < groups; g++) {
    for (let k = 0; k < n; k++) mean[g] += x[at(g, k)] / n;
    for (let k = 0; k < n; k++) vr[g] += (x[at(g, k)] - mean[g]) ** 2 / n;
    rstd[g] = 1 / Math.sqrt(vr[g] + eps);
    for (let k = 0; k < n; k++) {
      const f = byColumn ? g : k;
      y[at(g, k)] = (x[at(g, k)] - mean[g]) * rstd[g] * gamma[f] + beta[f];
    }
  }
  return { y, mean, rstd, var: vr };
}

/** Gradients of L = Σ dy ⊙ y for the same normalisation. */
export function normBackward(x: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number, gamma: ArrayLike<number>, byColumn: boolean, eps = 1e-5) {
  const { mean, rstd } = normForward(x, rows, cols, gamma, new Float64Array(cols), byColumn, eps);
  const groups = byColumn ? cols : rows;
  const n = byColumn ? rows : cols;
  const at = (g: number, k: number) => (byColumn ? k * cols + g : g * cols + k);
  const dx = new Float64Array(rows * cols);
  const dgamma = new Float64Array(cols);
  const dbeta = new Float64Array(cols);
  for (let g = 0; g < groups; g++) {
    // with h = dy·γ per element: dx = rstd·(h − mean(h) − x̂·mean(h·x̂))
    let sh = 0;
    let shx = 0;
    for (let k = 0; k < n; k++) {
      const i = at(g, k);
      const f = byColumn ? g : k;
      const xh = (x[i] - mean[g]) * rstd[g];
      sh += dy[i] * gamma[f];
      shx += dy[i] * gamma[f] * xh;
      dgamma[f] += dy[i] * xh;
      dbeta[f] += dy[i];
    }
    for (let k = 0; k < n; k++) {
      const i = at(g, k);
      const f = byColumn ? g : k;
      const xh = (x[i] - mean[g]) * rstd[g];
      dx[i] = rstd[g] * (dy[i] * gamma[f] - sh / n - (xh * shx) / n);
    }
  }
  return { dx, dgamma, dbeta };
}
