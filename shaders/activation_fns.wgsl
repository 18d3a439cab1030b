// Activation functions as a library for other families (activations.wgsl, matmul's fused
// epilogue): the pipeline's ACT override picks one, so each pipeline compiles a single branch.
// Ids match ACTIVATIONS in src/kernels/activation_ids.ts. PyTorch semantics; finite for every
// finite input (no intermediate overflows, tanh in [-1, 1], sigmoid in [0, 1]).
// Derivatives are computed from x, not y: y·(1 − y), 1 − y² and y + 1 round to 0 in saturated
// tails (sigmoid past |x| ≈ 17, tanh past 9), exactly where a vanishing-gradient study looks.
override ACT: u32 = 0;

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SQRT_2_OVER_PI = 0.7978845608028654;
const INV_SQRT_2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;
const GELU_C = 0.044715;

// (σ(x), σ(−x) = 1 − σ(x)), neither by subtraction: e = exp(−|x|) is in [0, 1], never overflows.
fn sigmoid_pair(x: f32) -> vec2f {
  let e = exp(-abs(x));
  let big = min(1.0 / (1.0 + e), 1.0); // min: stays ≤ 1 whatever the division's rounding
  let small = e * big;
  return select(vec2f(small, big), vec2f(big, small), x >= 0.0);
}

fn sigmoid_fn(x: f32) -> f32 { return sigmoid_pair(x).x; }

// exp(x) − 1 without cancellation near 0 (WGSL has no expm1): Taylor to x⁸ for |x| < 0.5
// (truncation < 2e-8 relative), the plain form beyond.
fn expm1_fn(x: f32) -> f32 {
  if (abs(x) < 0.5) {
    return x * (1.0 + x * (1.0 / 2.0 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x * (1.0 / 720.0 + x * (1.0 / 5040.0 + x * (1.0 / 40320.0))))))));
  }
  return exp(x) - 1.0;
}

// tanh = sign(x)·m/(2 − m), m = 1 − exp(−2|x|): the builtin returns NaN for |x| > ~88 on some
// platforms, and expm1 keeps tiny |x| accurate. tanh(20) is 1 in f32, so |x| is clamped there.
fn tanh_fn(x: f32) -> f32 {
  let m = -expm1_fn(-2.0 * min(abs(x), 20.0));
  return sign(x) * min(m / (2.0 - m), 1.0);
}

// erfc(z) for z ≥ 0 with fractional error < 1.2e-7 (Numerical Recipes' erfcc, a Chebyshev fit):
// relative accuracy in the tail, where 1 − erf would cancel. WGSL has no erf.
fn erfc_pos(z: f32) -> f32 {
  let zc = min(z, 10.0); // erfc(10) ≈ 2e-45: the f32 subnormal floor
  let t = 1.0 / (1.0 + 0.5 * zc);
  let poly = -1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277))))))));
  return t * exp(poly - zc * zc);
}

fn erf_fn(x: f32) -> f32 { return sign(x) * (1.0 - erfc_pos(abs(x))); }

// Φ(x), the standard normal CDF, accurate relative to itself in the negative tail.
fn normal_cdf(x: f32) -> f32 {
  let h = 0.5 * erfc_pos(abs(x) * INV_SQRT_2);
  return select(h, 1.0 - h, x > 0.0);
}

// log(1 + u) accurate for small u (WGSL has no log1p): 2·atanh(u/(2 + u)) by its series for
// |u| ≤ 0.375 (truncation < 2e-9 relative). Goldberg's log(w)·u/(w − 1), w = 1 + u, lost 3% at
// u = 2e-6 on lavapipe: it needs an exact w − 1 and a log accurate near 1, which WGSL does not
// promise (log is only 2^-21 absolute there).
fn log1p_fn(u: f32) -> f32 {
  if (abs(u) > 0.375) { return log(1.0 + u); }
  let s = u / (2.0 + u);
  let s2 = s * s;
  return 2.0 * s * (1.0 + s2 * (1.0 / 3.0 + s2 * (1.0 / 5.0 + s2 * (1.0 / 7.0 + s2 * (1.0 / 9.0 + s2 * (1.0 / 11.0))))));
}

// PyTorch softplus (beta 1, threshold 20).
fn softplus_fn(x: f32) -> f32 {
  if (x > 20.0) { return x; }
  return log1p_fn(exp(x));
}

// gelu_tanh: 0.5·x·(1 + tanh(u)) = x·σ(2u), u = √(2/π)(x + 0.044715x³); σ(2u) is exactly 0 or 1
// well before |x| = 20, so the cube uses x clamped there (stays finite).
fn gelu_tanh_2u(x: f32) -> f32 {
  let xc = clamp(x, -20.0, 20.0);
  return 2.0 * SQRT_2_OVER_PI * (xc + GELU_C * xc * xc * xc);
}

// y = act(x)
fn activate(x: f32) -> f32 {
  switch ACT {
    case 1u: { return sigmoid_fn(x); }
    case 2u: { return tanh_fn(x); }
    case 3u: { return max(x, 0.0); }
    case 4u: { return select(0.01 * x, x, x > 0.0); }
    case 5u: { return select(expm1_fn(min(x, 0.0)), x, x > 0.0); }
    case 6u: { return SELU_SCALE * select(SELU_ALPHA * expm1_fn(min(x, 0.0)), x, x > 0.0); }
    case 7u: { return x * normal_cdf(x); }
    case 8u: { return x * sigmoid_fn(gelu_tanh_2u(x)); }
    case 9u: { return x * sigmoid_fn(x); }
    case 10u: { return softplus_fn(x); }
    case 11u: { return x / (1.0 + abs(x)); }
    default: { return x; }
  }
}

// dy/dx at pre-activation x. y = act(x) stays in the signature for callers that keep it, but is
// unused (see top) and activations.wgsl passes 0: a formula here that needs y must change that.
fn activate_grad(x: f32, y: f32) -> f32 {
  switch ACT {
    case 1u: {
      let s = sigmoid_pair(x);
      return s.x * s.y;
    }
    case 2u: {
      let e = exp(-2.0 * min(abs(x), 50.0)); // 1 − tanh² = 4e/(1 + e)²
      return 4.0 * e / ((1.0 + e) * (1.0 + e));
    }
    case 3u: { return select(0.0, 1.0, x > 0.0); }
    case 4u: { return select(0.01, 1.0, x > 0.0); }
    case 5u: { return select(exp(min(x, 0.0)), 1.0, x > 0.0); }
    case 6u: { return SELU_SCALE * select(SELU_ALPHA * exp(min(x, 0.0)), 1.0, x > 0.0); }
    case 7u: {
      let xc = clamp(x, -20.0, 20.0); // φ(20) underflows to 0 already; x·0 stays 0
      return normal_cdf(x) + x * INV_SQRT_2PI * exp(-0.5 * xc * xc);
    }
    case 8u: {
      // d/dx x·σ(v) = σ(v) + x·σ(v)σ(−v)·v',  v = 2u
      let s = sigmoid_pair(gelu_tanh_2u(x));
      let xc = clamp(x, -20.0, 20.0);
      let dv = 2.0 * SQRT_2_OVER_PI * (1.0 + 3.0 * GELU_C * xc * xc);
      return s.x + x * (s.x * s.y) * dv;
    }
    case 9u: {
      let s = sigmoid_pair(x); // σ(x)·(1 + x·σ(−x))
      return s.x * (1.0 + x * s.y);
    }
    case 10u: { return select(sigmoid_fn(x), 1.0, x > 20.0); }
    case 11u: {
      let r = 1.0 / (1.0 + abs(x)); // r·r, not 1/(1+|x|)²: that squares to Inf for |x| > 1.8e19
      return r * r;
    }
    default: { return 1.0; }
  }
}
