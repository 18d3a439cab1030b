// Float64 references for the activations (PyTorch semantics) and their derivatives, written
// from the textbook formulas. Derivatives use forms that stay exact in saturated tails
// (σ(x)σ(−x), sech²) so a float32 kernel can be held to relative accuracy there.
import type { Activation } from '../../src/kernels/activation_ids';

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const GELU_C = 0.044715;
const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

export const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const sech2 = (x: number) => 1 / Math.cosh(x) ** 2;

/** erf by its Taylor series for |x| < 0.5 (terms only shrink), else 1 − erfc: ~1e-16 relative. */
export function erf(x: number): number {
  if (Math.abs(x) >= 0.5) return Math.sign(x) * (1 - erfc(Math.abs(x)));
  let term = x;
  let sum = x;
  for (let n = 1; n < 40; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/**
 * erfc by Laplace's continued fraction for x ≥ 0.5 (2000 terms: converged to double precision
 * there), relatively accurate far into the tail; 1 − erf below, where erfc > 0.47.
 */
export function erfc(x: number): number {
  if (x < 0.5) return 1 - erf(x);
  let k = x; // x + (1/2)/(x + 1/(x + (3/2)/(x + ...))), evaluated from the tail
  for (let n = 2000; n >= 1; n--) k = x + n / 2 / k;
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / k;
}

/** Φ(x), the standard normal CDF. */
export const normalCdf = (x: number) => 0.5 * erfc(-x / Math.SQRT2);
const normalPdf = (x: number) => Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
const geluTanhU = (x: number) => SQRT_2_OVER_PI * (x + GELU_C * x ** 3);
// 1 + tanh(u) = 2σ(2u): the same number without double's cancellation for u ≪ 0.
const onePlusTanh = (u: number) => 2 * sigmoid(2 * u);

export const activations: Record<Activation, { f: (x: number) => number; df: (x: number) => number }> = {
  identity: { f: (x) => x, df: () => 1 },
  sigmoid: { f: sigmoid, df: (x) => sigmoid(x) * sigmoid(-x) },
  tanh: { f: Math.tanh, df: (x) => sech2(x) },
  relu: { f: (x) => Math.max(x, 0), df: (x) => (x > 0 ? 1 : 0) }, // PyTorch: 0 at 0
  leaky_relu: { f: (x) => (x > 0 ? x : 0.01 * x), df: (x) => (x > 0 ? 1 : 0.01) },
  elu: { f: (x) => (x > 0 ? x : Math.expm1(x)), df: (x) => (x > 0 ? 1 : Math.exp(x)) },
  selu: { f: (x) => SELU_SCALE * (x > 0 ? x : SELU_ALPHA * Math.expm1(x)), df: (x) => SELU_SCALE * (x > 0 ? 1 : SELU_ALPHA * Math.exp(x)) },
  gelu: { f: (x) => x * normalCdf(x), df: (x) => normalCdf(x) + x * normalPdf(x) },
  gelu_tanh: {
    f: (x) => 0.5 * x * onePlusTanh(geluTanhU(x)),
    // Past |x| = 100 the derivative is 1 or 0 to double precision (and x³ would overflow to ∞·0).
    df: (x) => (Math.abs(x) > 100 ? (x > 0 ? 1 : 0) : 0.5 * onePlusTanh(geluTanhU(x)) + 0.5 * x * sech2(geluTanhU(x)) * SQRT_2_OVER_PI * (1 + 3 * GELU_C * x * x)),
  },
  silu: { f: (x) => x * sigmoid(x), df: (x) => sigmoid(x) * (1 + x * sigmoid(-x)) },
  softplus: { f: (x) => (x > 20 ? x : Math.log1p(Math.exp(x))), df: (x) => (x > 20 ? 1 : sigmoid(x)) }, // beta 1, threshold 20
  softsign: { f: (x) => x / (1 + Math.abs(x)), df: (x) => 1 / (1 + Math.abs(x)) ** 2 },
};
