// Activation functions as a library for other families (activations.wgsl, matmul's fused
// epilogue): the pipeline's ACT override picks one, so each pipeline compiles a single branch.
// Ids match ACTIVATIONS in src/kernels/activation_ids.ts. PyTorch semantics; finite for every
// finite input (no exp overflow, tanh in [-1, 1], sigmoid in [0, 1]).
override ACT: u32 = 0;

const SELU_SCALE = 1.0507009873554804934193349852946;
const SELU_ALPHA = 1.6732632423543772848170429916717;
const SQRT_2_OVER_PI = 0.7978845608028654;
const INV_SQRT_2 = 0.7071067811865476;
const INV_SQRT_2PI = 0.3989422804014327;

fn sigmoid_fn(x: f32) -> f32 {
  let e = exp(-abs(x)); // in (0, 1]: never overflows
  let s = 1.0 / (1.0 + e);
  return select(1.0 - s, s, x >= 0.0);
}

// tanh via exp(-2|x|): the builtin returns NaN for |x| > ~88 on some platforms.
fn tanh_fn(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

// erf by Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): WGSL has no erf.
fn erf_fn(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.3275911 * z);
  let poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(x) * (1.0 - poly * exp(-z * z));
}

// log(1 + u) accurate for small u (Goldberg's trick): WGSL has no log1p.
fn log1p_fn(u: f32) -> f32 {
  let w = 1.0 + u;
  if (w == 1.0) { return u; }
  return log(w) * u / (w - 1.0);
}

// PyTorch softplus (beta 1, threshold 20).
fn softplus_fn(x: f32) -> f32 {
  if (x > 20.0) { return x; }
  return log1p_fn(exp(x));
}

// y = act(x)
fn activate(x: f32) -> f32 {
  switch ACT {
    case 1u: { return sigmoid_fn(x); }
    case 2u: { return tanh_fn(x); }
    case 3u: { return max(x, 0.0); }
    case 4u: { return select(0.01 * x, x, x > 0.0); }
    case 5u: { return select(exp(min(x, 0.0)) - 1.0, x, x > 0.0); }
    case 6u: { return SELU_SCALE * select(SELU_ALPHA * (exp(min(x, 0.0)) - 1.0), x, x > 0.0); }
    case 7u: { return 0.5 * x * (1.0 + erf_fn(x * INV_SQRT_2)); }
    case 8u: {
      let xc = clamp(x, -20.0, 20.0); // tanh saturates long before; keeps x³ finite
      return 0.5 * x * (1.0 + tanh_fn(SQRT_2_OVER_PI * (xc + 0.044715 * xc * xc * xc)));
    }
    case 9u: { return x * sigmoid_fn(x); }
    case 10u: { return softplus_fn(x); }
    case 11u: { return x / (1.0 + abs(x)); }
    default: { return x; }
  }
}

// dy/dx at pre-activation x with output y = act(x).
fn activate_grad(x: f32, y: f32) -> f32 {
  switch ACT {
    case 1u: { return y * (1.0 - y); }
    case 2u: { return 1.0 - y * y; }
    case 3u: { return select(0.0, 1.0, x > 0.0); }
    case 4u: { return select(0.01, 1.0, x > 0.0); }
    case 5u: { return select(y + 1.0, 1.0, x > 0.0); }
    case 6u: { return select(y + SELU_SCALE * SELU_ALPHA, SELU_SCALE, x > 0.0); }
    case 7u: { return 0.5 * (1.0 + erf_fn(x * INV_SQRT_2)) + x * INV_SQRT_2PI * exp(-0.5 * min(x * x, 200.0)); }
    case 8u: {
      if (abs(x) > 20.0) { return select(0.0, 1.0, x > 0.0); }
      let inner = SQRT_2_OVER_PI * (x + 0.044715 * x * x * x);
      let t = tanh_fn(inner);
      return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * SQRT_2_OVER_PI * (1.0 + 3.0 * 0.044715 * x * x);
    }
    case 9u: {
      let s = sigmoid_fn(x);
      return s * (1.0 + x * (1.0 - s));
    }
    case 10u: { return select(sigmoid_fn(x), 1.0, x > 20.0); }
    case 11u: {
      let d = 1.0 + abs(x);
      return 1.0 / (d * d);
    }
    default: { return 1.0; }
  }
}
