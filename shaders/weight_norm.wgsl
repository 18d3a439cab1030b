// Weight normalisation (Salimans & Kingma 2016) as torch.nn.utils.weight_norm(linear, dim=0):
// w = g·v/‖v‖ per output row, v [out, in] and g [out, 1] in the flat parameter buffer. One
// dispatch covers the rows of every weight-normalised layer (the row table): the forward writes
// each layer's w for its matmul (which keeps its fused bias and activation epilogue) and saves
// ‖v‖; the backward turns the matmuls' dW into dg and dv in the flat gradient buffer.
// A workgroup per row (lanes = WG, tree sums) or, with ROW_PER_INVOCATION, a row per invocation
// (lanes = 1, serial sums: rows of up to 256, where a workgroup's barriers cost more than the sums).
// Fixed-order sums: deterministic, no atomics.
// ‖v‖ = 0: PyTorch divides by the norm with no eps (0·g/0 = NaN); so do we, explicitly (WGSL may
// assume division gives finite values), and the step guard stops training naming the layer.
override WG: u32 = 64;
override ROW_PER_INVOCATION: bool = false;

struct Params { rows: u32 }

@group(0) @binding(0) var<storage, read_write> w: array<f32>;
@group(0) @binding(1) var<storage, read_write> norm: array<f32>;  // [rows]
@group(0) @binding(2) var<storage, read_write> grads: array<f32>; // flat, as params
@group(0) @binding(3) var<storage, read> flat: array<f32>;        // the flat parameters: v and g
@group(0) @binding(4) var<storage, read> dw: array<f32>;          // laid out as w
@group(0) @binding(5) var<storage, read> norm_in: array<f32>;
// Per row, in elements: (offset of the row of v in flat, offset of the row of w in w and dw,
// its length, offset of its g in flat). dv and dg go to the same offsets in grads.
@group(0) @binding(6) var<storage, read> row_table: array<vec4u>;
@group(0) @binding(7) var<uniform> p: Params;

// A private variable, not a constant: a const-expression may not evaluate to NaN.
var<private> nan_bits: u32 = 0x7fc00000u;

// 1/‖v‖, NaN for ‖v‖ = 0 (as PyTorch's g/‖v‖ gives there once multiplied by v = 0).
fn inverse_norm(n: f32) -> f32 { return select(1.0 / n, bitcast<f32>(nan_bits), n == 0.0); }

var<workgroup> red: array<f32, 64>;

// Σ a over the lanes of one row, in a fixed tree order; every invocation must call it.
fn row_sum(a: f32, lid: u32) -> f32 {
  if (ROW_PER_INVOCATION) { return a; }
  red[lid] = a;
  workgroupBarrier();
  for (var s = 32u; s > 0u; s >>= 1u) {
    if (lid < s) { red[lid] += red[lid + s]; }
    workgroupBarrier();
  }
  let r = red[0];
  workgroupBarrier();
  return r;
}

// This invocation's row (may be past the last: callers clamp it and store nothing) and first column.
fn row_and_lane(wid: vec3u, nwg: vec3u, lid: u32) -> vec2u {
  if (ROW_PER_INVOCATION) { return vec2u(flat_workgroup(wid, nwg) * WG + lid, 0u); }
  return vec2u(flat_workgroup(wid, nwg), lid);
}

// norm[r] = ‖v_r‖; w_r = g_r/‖v_r‖ · v_r   (=)
@compute @workgroup_size(WG)
fn weight_norm_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let at = row_and_lane(wid, nwg, lid);
  let r = min(at.x, p.rows - 1u);
  let t = row_table[r];
  let step = select(WG, 1u, ROW_PER_INVOCATION);
  var q = 0.0;
  for (var k = at.y; k < t.z; k += step) { q += flat[t.x + k] * flat[t.x + k]; }
  let n = sqrt(row_sum(q, lid));
  if (at.x >= p.rows) { return; }
  let s = flat[t.w] * inverse_norm(n);
  for (var k = at.y; k < t.z; k += step) { w[t.y + k] = s * flat[t.x + k]; }
  if (at.y == 0u) { norm[r] = n; }
}

// From dW = ∂L/∂w:  dg_r = (dW_r·v_r)/‖v_r‖;  dv_r = g_r/‖v_r‖ · (dW_r − dg_r·v_r/‖v_r‖)   (=)
@compute @workgroup_size(WG)
fn weight_norm_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let at = row_and_lane(wid, nwg, lid);
  let r = min(at.x, p.rows - 1u);
  let t = row_table[r];
  let step = select(WG, 1u, ROW_PER_INVOCATION);
  var d = 0.0;
  for (var k = at.y; k < t.z; k += step) { d += dw[t.y + k] * flat[t.x + k]; }
  let total = row_sum(d, lid);
  if (at.x >= p.rows) { return; }
  let rn = inverse_norm(norm_in[r]);
  let dg = total * rn;
  let s = flat[t.w] * rn;
  for (var k = at.y; k < t.z; k += step) { grads[t.x + k] = s * (dw[t.y + k] - dg * flat[t.x + k] * rn); }
  if (at.y == 0u) { grads[t.w] = dg; }
}
