// Losses fused with their gradients, in two passes and no float atomics (same bits every run):
// pass 1 writes the gradient (=) and partial sums into a scratch buffer (one per row for
// cross-entropy, one per workgroup for the elementwise losses); pass 2, a single workgroup, sums
// them in a fixed order. Uses sigmoid_fn and log1p_fn from activation_fns.wgsl.
// Bindings: outputs, then inputs, then the uniform params last.
override WG: u32 = 256; // a power of two: the tree reductions halve it

// n: rows or elements; classes: C; partials: what pass 2 adds up (rows or pass-1 workgroups);
// grad_scale: 1/B, 2/numel or 1/numel; mean_scale: 1/B or 1/numel
struct Params { n: u32, classes: u32, partials: u32, grad_scale: f32, mean_scale: f32 }

@group(0) @binding(0) var<storage, read_write> grad: array<f32>;
@group(0) @binding(1) var<storage, read_write> partial: array<f32>;
@group(0) @binding(2) var<storage, read_write> loss: array<f32>;
@group(0) @binding(3) var<storage, read_write> correct: array<u32>;
@group(0) @binding(4) var<storage, read> x: array<f32>; // logits or predictions
@group(0) @binding(5) var<storage, read> targets: array<f32>;
@group(0) @binding(6) var<storage, read> labels: array<i32>;
@group(0) @binding(7) var<storage, read> partial_in: array<f32>;
@group(0) @binding(8) var<uniform> p: Params;

var<workgroup> red: array<f32, WG>;
var<workgroup> red_index: array<u32, WG>;

// A private variable, not a constant: a const-expression may not evaluate to NaN.
var<private> nan_bits: u32 = 0x7fc00000u;
fn quiet_nan() -> f32 { return bitcast<f32>(nan_bits); }

// Σ over the workgroup's invocations in a fixed tree order. Every invocation must call it.
fn workgroup_sum(lid: u32, v: f32) -> f32 {
  red[lid] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) { red[lid] += red[lid + s]; }
  }
  workgroupBarrier();
  let total = red[0];
  workgroupBarrier(); // red is reused by the next reduction
  return total;
}

// (max, first index of the max) over the workgroup. Every invocation must call it.
fn workgroup_argmax(lid: u32, v: f32, i: u32) -> vec2u {
  red[lid] = v;
  red_index[lid] = i;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) {
      let w = red[lid + s];
      let j = red_index[lid + s];
      if (w > red[lid] || (w == red[lid] && j < red_index[lid])) { red[lid] = w; red_index[lid] = j; }
    }
  }
  workgroupBarrier();
  let out = vec2u(bitcast<u32>(red[0]), red_index[0]);
  workgroupBarrier();
  return out;
}

// One workgroup per row b:  m = max_c x_bc,  s = Σ_c exp(x_bc − m),
//   partial[b] = (m − x_b,label) + log s,   partial[B + b] = [argmax_c x_bc == label],
//   dlogits_bc = (exp(x_bc − m)/s − [c == label]) / B   (=)
// A label outside [0, C) reads nothing out of bounds: its row loss and gradient row are NaN.
@compute @workgroup_size(WG)
fn softmax_xent_rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = flat_workgroup(wid, nwg);
  if (b >= p.n) { return; } // uniform across the workgroup
  let C = p.classes;
  let row = b * C;
  // Threads past the row start at (−max f32, C): any real element wins ties against them.
  var m = -3.4028234663852886e38;
  var arg = C;
  for (var c = lid; c < C; c += WG) {
    let v = x[row + c];
    if (v > m || arg == C) { m = v; arg = c; } // strided order: the first max of this thread
  }
  let best = workgroup_argmax(lid, m, arg);
  let mx = bitcast<f32>(best.x);
  var s = 0.0;
  for (var c = lid; c < C; c += WG) { s += exp(x[row + c] - mx); }
  let total = workgroup_sum(lid, s);
  let label = labels[b];
  let valid = label >= 0 && label < i32(C);
  let lc = u32(select(0, label, valid));
  if (lid == 0u) {
    // m − x_label first: exact-ish even when both are 1e4, where m + log s would round to 1e-3.
    partial[b] = select(quiet_nan(), (mx - x[row + lc]) + log(total), valid);
    partial[p.n + b] = select(0.0, 1.0, valid && best.y == lc);
  }
  for (var c = lid; c < C; c += WG) {
    let g = (exp(x[row + c] - mx) / total - select(0.0, 1.0, c == lc)) * p.grad_scale;
    grad[row + c] = select(quiet_nan(), g, valid);
  }
}

// The same for few classes, one invocation per row: no workgroup trees, whose barriers cost far
// more than a short serial loop (SwiftShader ran the workgroup form at 3 ms for 64 rows × 3).
@compute @workgroup_size(WG)
fn softmax_xent_row_per_invocation(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let b = flat_workgroup(wid, nwg) * WG + lid;
  if (b >= p.n) { return; }
  let C = p.classes;
  let row = b * C;
  var mx = x[row];
  var arg = 0u;
  for (var c = 1u; c < C; c++) {
    let v = x[row + c];
    if (v > mx) { mx = v; arg = c; } // the first max
  }
  var total = 0.0;
  for (var c = 0u; c < C; c++) { total += exp(x[row + c] - mx); }
  let label = labels[b];
  let valid = label >= 0 && label < i32(C);
  let lc = u32(select(0, label, valid));
  partial[b] = select(quiet_nan(), (mx - x[row + lc]) + log(total), valid);
  partial[p.n + b] = select(0.0, 1.0, valid && arg == lc);
  for (var c = 0u; c < C; c++) {
    let g = (exp(x[row + c] - mx) / total - select(0.0, 1.0, c == lc)) * p.grad_scale;
    grad[row + c] = select(quiet_nan(), g, valid);
  }
}

// d = pred − target:  dpred = 2d/numel (=),  partial[w] = Σ_{i ∈ workgroup w} d²
@compute @workgroup_size(WG)
fn mse_partials(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = flat_workgroup(wid, nwg);
  if (w >= p.partials) { return; } // a folded grid's spare workgroups; uniform
  let i = w * WG + lid;
  var sq = 0.0;
  if (i < p.n) {
    let d = x[i] - targets[i];
    grad[i] = d * p.grad_scale;
    sq = d * d;
  }
  let total = workgroup_sum(lid, sq);
  if (lid == 0u) { partial[w] = total; }
}

// ℓ = max(x, 0) − x·t + log1p(exp(−|x|)):  dlogits = (σ(x) − t)/numel (=),  partial[w] = Σ_w ℓ
@compute @workgroup_size(WG)
fn bce_logits_partials(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let w = flat_workgroup(wid, nwg);
  if (w >= p.partials) { return; }
  let i = w * WG + lid;
  var l = 0.0;
  if (i < p.n) {
    let v = x[i];
    let t = targets[i];
    grad[i] = (sigmoid_fn(v) - t) * p.grad_scale;
    l = max(v, 0.0) - v * t + log1p_fn(exp(-abs(v)));
  }
  let total = workgroup_sum(lid, l);
  if (lid == 0u) { partial[w] = total; }
}

// Pass 2, one workgroup: loss[0] = mean_scale · Σ_{k < partials} partial[k] (fixed order)
@compute @workgroup_size(WG)
fn loss_finalize(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var k = lid; k < p.partials; k += WG) { s += partial_in[k]; }
  let total = workgroup_sum(lid, s);
  if (lid == 0u) { loss[0] = total * p.mean_scale; }
}

// Pass 2 with accuracy: also correct[0] = Σ_b [argmax == label] (exact below 2^24 rows)
@compute @workgroup_size(WG)
fn loss_correct_finalize(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  var hits = 0.0;
  for (var k = lid; k < p.partials; k += WG) {
    s += partial_in[k];
    hits += partial_in[p.partials + k];
  }
  let total = workgroup_sum(lid, s);
  let total_hits = workgroup_sum(lid, hits);
  if (lid == 0u) {
    loss[0] = total * p.mean_scale;
    correct[0] = u32(total_hits);
  }
}
