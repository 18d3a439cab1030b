// float64 references of the PyTorch update rules (torch.optim docs' pseudo-code), one step.
import type { OptimizerConfig } from '../../src/kernels/optimizers';

export interface RefState { m: Float64Array; v: Float64Array }

export function refStep(c: OptimizerConfig, p: Float64Array, grad: ArrayLike<number>, s: RefState, t: number, clipValue = 0): void {
  const wd = c.weight_decay ?? 0;
  for (let i = 0; i < p.length; i++) {
    let g = grad[i];
    if (clipValue > 0) g = Math.min(clipValue, Math.max(-clipValue, g));
    if (c.type === 'sgd') {
      const mu = c.momentum ?? 0;
      g += wd * p[i];
      if (mu !== 0) {
        s.m[i] = t === 1 ? g : mu * s.m[i] + g;
        g = c.nesterov ? g + mu * s.m[i] : s.m[i];
      }
      p[i] -= c.lr * g;
    } else if (c.type === 'adam' || c.type === 'adamw') {
      const [b1, b2, eps] = [c.beta1 ?? 0.9, c.beta2 ?? 0.999, c.eps ?? 1e-8];
      if (c.type === 'adamw') p[i] *= 1 - c.lr * wd;
      else g += wd * p[i];
      s.m[i] = b1 * s.m[i] + (1 - b1) * g;
      s.v[i] = b2 * s.v[i] + (1 - b2) * g * g;
      const mhat = s.m[i] / (1 - b1 ** t);
      const vhat = s.v[i] / (1 - b2 ** t);
      p[i] -= (c.lr * mhat) / (Math.sqrt(vhat) + eps);
    } else {
      const r = c as Extract<OptimizerConfig, { type: 'rmsprop' }>;
      const [alpha, eps, mu] = [r.alpha ?? 0.99, r.eps ?? 1e-8, r.momentum ?? 0];
      g += wd * p[i];
      s.v[i] = alpha * s.v[i] + (1 - alpha) * g * g;
      const avg = Math.sqrt(s.v[i]) + eps;
      if (mu > 0) {
        s.m[i] = mu * s.m[i] + g / avg;
        p[i] -= c.lr * s.m[i];
      } else p[i] -= (c.lr * g) / avg;
    }
  }
}
