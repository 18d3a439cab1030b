// The adversarial losses on the discriminator's logits l (one per row), fused with their
// gradients, in two passes and no float atomics (same bits every run): pass 1 writes dl (=) and
// per-workgroup partial sums of the loss and of D's value; pass 2, one workgroup, adds them up in
// a fixed order. KIND (a pipeline override) picks the loss, so each pipeline compiles one branch:
//   0 bce:        ℓ = softplus(l) − t·l          dl = (σ(l) − t)/n      value σ(l)
//   1 saturating: ℓ = log(1 − σ(l)) = −softplus(l)  dl = −σ(l)/n      value σ(l)
//   2 squares:    ℓ = ½(l − t)²                  dl = (l − t)/n         value l
// softplus(l) = max(l, 0) + log1p(exp(−|l|)): exp never overflows, and log(1 − σ(l)) is never
// formed by subtraction (1 − σ(l) rounds to 0 in f32 past l ≈ 17, where the saturating loss is
// most interesting). Uses sigmoid_fn and log1p_fn from activation_fns.wgsl.
// Bindings: outputs, then inputs, then the uniform params last.
override WG: u32 = 256; // a power of two: the tree reduction halves it
override KIND: u32 = 0;

// n: logits; partials: pass-1 workgroups; t: the target of bce and squares; inv_n: 1/n
struct Params { n: u32, partials: u32, t: f32, inv_n: f32 }

@group(0) @binding(0) var<storage, read_write> dlogits: array<f32>;
@group(0) @binding(1) var<storage, read_write> partial: array<f32>; // [2 · partials]
@group(0) @binding(2) var<storage, read_write> out: array<f32>; // [loss, mean value]
@group(0) @binding(3) var<storage, read> logits: array<f32>;
@group(0) @binding(4) var<storage, read> partial_in: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> red: array<vec2f, WG>;

// (Σ a, Σ b) over the workgroup in a fixed tree order. Every invocation must call it.
fn workgroup_sum2(lid: u32, v: vec2f) -> vec2f {
  red[lid] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) { red[lid] += red[lid + s]; }
  }
  workgroupBarrier();
  return red[0];
}

fn softplus_stable(l: f32) -> f32 { return max(l, 0.0) + log1p_fn(exp(-abs(l))); }

// (ℓ, dl·n, value) of one logit.
fn gan_loss(l: f32) -> vec3f {
  let t = p.t;
  if (KIND == 1u) {
    let s = sigmoid_fn(l);
    return vec3f(-softplus_stable(l), -s, s);
  }
  if (KIND == 2u) { return vec3f(0.5 * (l - t) * (l - t), l - t, l); }
  let s = sigmoid_fn(l);
  return vec3f(softplus_stable(l) - t * l, s - t, s);
}

// Pass 1: dlogits = ∂(mean ℓ)/∂l (=);  partial[w] = Σ_w ℓ,  partial[partials + w] = Σ_w value
@compute @workgroup_size(WG)
fn gan_loss_partials(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = flat_workgroup(wid, nwg);
  if (w >= p.partials) { return; } // a folded grid's spare workgroups; uniform
  let i = w * WG + lid;
  var v = vec2f(0.0);
  if (i < p.n) {
    let r = gan_loss(logits[i]);
    dlogits[i] = r.y * p.inv_n;
    v = vec2f(r.x, r.z);
  }
  let total = workgroup_sum2(lid, v);
  if (lid == 0u) {
    partial[w] = total.x;
    partial[p.partials + w] = total.y;
  }
}

// Pass 2, one workgroup: out = (mean ℓ, mean value), summed in a fixed order.
@compute @workgroup_size(WG)
fn gan_loss_finalize(@builtin(local_invocation_index) lid: u32) {
  var s = vec2f(0.0);
  for (var k = lid; k < p.partials; k += WG) { s += vec2f(partial_in[k], partial_in[p.partials + k]); }
  let total = workgroup_sum2(lid, s);
  if (lid == 0u) {
    out[0] = total.x * p.inv_n;
    out[1] = total.y * p.inv_n;
  }
}
