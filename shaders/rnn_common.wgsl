// Shared by the recurrent families (rnn.wgsl, lstm.wgsl, gru.wgsl). Each family defines its gate
// count G and its cell, `cell_forward` and `cell_backward`, for one (step t, batch row b) and the
// units j0 .. j0 + n − 1 (n ≤ UNITS ≤ 4: the units of one invocation); the drivers that run the
// cells over time are here (one dispatch per step, one unit per invocation) and in
// rnn_persistent.wgsl (all steps in one dispatch). Layouts (H units, G gates, B rows, T steps):
//   xg    [B·T, G·H] batch-major: X·W_ihᵀ + b_ih for every step, from one matmul before the loop;
//         with XG_CELL (F ≤ 4) there is no xg: the forward drivers compute it from x, W_ih, b_ih
//   hs    [T+1, B, H] time-major: hs[0] = h_{-1} = 0 (zeroed once, never written), hs[t+1] = h_t
//   cs    [T+1, B, H] LSTM cell states, cs[0] = 0
//   gates [T, B, H] vec4s, what backward needs of unit j: LSTM (i, f, g, o) activated; GRU (r, z,
//         n, W_hn·h + b_hn): one vec4 store and load per cell (lavapipe runs each per-lane access
//         as a loop over the lanes, whatever its width)
//   dgx   [B·T, G·H] batch-major (rows match X: dW_ih = dgxᵀ·X and dX = dgx·W_ih are plain matmuls)
//   dgh   [T, B, G·H] time-major (rows match hs[0..T): dW_hh = dghᵀ·h_prev is one matmul)
//   dhs   [T, B, H] dL/dh_t (total, through output and recurrence): ‖·‖ per t is the diagnostic
//   dcs   [T, B, H] LSTM dL/dc_t
// hs, cs, dgx, dgh, dhs and dcs are declared by one of two libraries, with load_* / store_* for
// the n units of a cell: rnn_units.wgsl as f32s, a scalar access per unit, and
// rnn_units_vec4.wgsl as vec4s, the 4 units of a cell one access, for persistent plans with 4
// units an invocation and H % 4 = 0 (units j0 .. j0 + 3 are then one aligned vec4 that only
// their invocation writes). On lavapipe every such access is a loop over the 8 lanes (each
// lane's address differs), whatever its width. The cells' arithmetic runs per unit either way.
// A cell reads across units only through its hidden projection (forward) and recurrent gradient
// (backward), which the driver computes; what else it reads of another step (c_{t-1}, h_{t-1}[j],
// dc_{t+1}, dh_{t+1}[j], step t+1's gates) is its own units', stored by the same invocation in
// the persistent driver or by an earlier dispatch in the per-step one.
// Buffers written at one step and read at another are bound read_write: a dispatch may not bind
// one buffer both ways, and backward reads hs, cs and gates through these same bindings.
override WG: u32 = 64;
// XG_CELL: few input features (F ≤ 4), so W_ih x_t + b_ih is a few FMAs per gate: the forward
// drivers compute it where the cell needs it instead of reading it from xg, which a matmul
// before the loop would have written (LSTM adding step on lavapipe, F = 2: that matmul took
// ~1.7 ms of a ~9 ms forward). Summed as that matmul sums: from 0 up in feature order with
// fma, then + b_ih (the bits of matmul_broadcast, which lavapipe runs for it).
override XG_CELL: bool = false;
override UNITS: u32 = 1; // units per invocation, 1 to 4 (the persistent driver's plan.units)

struct Params {
  T: u32,
  B: u32,
  H: u32,
  t: u32, // the step of a per-step dispatch (unused by the persistent driver)
  seq: u32, // return_sequences: y is [B, T·H] (else [B, H], written at t = T − 1)
  F: u32, // input features (XG_CELL)
}

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> gates: array<vec4f>; // indexed like hs: tm(t, b, j)
// bindings 1, 2, 4-7 (hs, cs, dgx, dgh, dhs, dcs): rnn_units.wgsl or rnn_units_vec4.wgsl
@group(0) @binding(8) var<storage, read> xg: array<f32>;
@group(0) @binding(9) var<storage, read> w_hh: array<f32>;
@group(0) @binding(10) var<storage, read> b_hh: array<f32>;
@group(0) @binding(11) var<storage, read> dy: array<f32>;
@group(0) @binding(12) var<uniform> p: Params;
@group(0) @binding(13) var<storage, read> x_in: array<f32>; // [B·T, F] batch-major (XG_CELL)
@group(0) @binding(14) var<storage, read> w_ih: array<f32>; // [G·H, F] (XG_CELL)
@group(0) @binding(15) var<storage, read> b_ih: array<f32>; // [G·H] (XG_CELL)

// σ and tanh of the first UNITS lanes (a cell's units; the other lanes 0). Per lane with constant
// lanes, no loop over the units: SwiftShader ran a loop indexing vectors by the unit as a memory
// access per invocation, 1.3-1.4x slower cells.
fn sigmoid_units(x: vec4f) -> vec4f {
  var y = vec4f(sigmoid_fn(x.x), 0.0, 0.0, 0.0);
  if (UNITS > 1u) { y.y = sigmoid_fn(x.y); }
  if (UNITS > 2u) { y.z = sigmoid_fn(x.z); }
  if (UNITS > 3u) { y.w = sigmoid_fn(x.w); }
  return y;
}
fn tanh_units(x: vec4f) -> vec4f {
  var y = vec4f(tanh_fn(x.x), 0.0, 0.0, 0.0);
  if (UNITS > 1u) { y.y = tanh_fn(x.y); }
  if (UNITS > 2u) { y.z = tanh_fn(x.z); }
  if (UNITS > 3u) { y.w = tanh_fn(x.w); }
  return y;
}

// The saved gates of units j0 .. j0 + n − 1 (i = the index of unit j0), one vec4 each: g[u].
fn load_gates(i: u32, n: u32) -> mat4x4f {
  var g = mat4x4f(gates[i], vec4f(), vec4f(), vec4f());
  if (UNITS > 1u && n > 1u) { g[1] = gates[i + 1u]; }
  if (UNITS > 2u && n > 2u) { g[2] = gates[i + 2u]; }
  if (UNITS > 3u && n > 3u) { g[3] = gates[i + 3u]; }
  return g;
}
fn store_gates(i: u32, n: u32, g: mat4x4f) {
  gates[i] = g[0];
  if (UNITS > 1u && n > 1u) { gates[i + 1u] = g[1]; }
  if (UNITS > 2u && n > 2u) { gates[i + 2u] = g[2]; }
  if (UNITS > 3u && n > 3u) { gates[i + 3u] = g[3]; }
}

// x_t of batch row b (F ≤ 4 values; components by constant: SwiftShader runs a vector indexed by
// a loop variable as per-lane memory accesses).
fn x_row(b: u32, t: u32) -> vec4f {
  let x0 = bm_row(b, t) * p.F;
  var xv = vec4f(x_in[x0], 0.0, 0.0, 0.0);
  if (p.F > 1u) { xv.y = x_in[x0 + 1u]; }
  if (p.F > 2u) { xv.z = x_in[x0 + 2u]; }
  if (p.F > 3u) { xv.w = x_in[x0 + 3u]; }
  return xv;
}

// w·x + bias over the first F of 4 values: one gate row of W_ih x_t + b_ih.
fn project(xv: vec4f, w: vec4f, bias: f32) -> f32 {
  var s = fma(xv.x, w.x, 0.0);
  if (p.F > 1u) { s = fma(xv.y, w.y, s); }
  if (p.F > 2u) { s = fma(xv.z, w.z, s); }
  if (p.F > 3u) { s = fma(xv.w, w.w, s); }
  return s + bias;
}

// W_ih row q·H + j (F ≤ 4 values) and its bias.
fn w_ih_row(q: u32, j: u32) -> vec4f {
  let r = (q * p.H + j) * p.F;
  var w = vec4f(w_ih[r], 0.0, 0.0, 0.0);
  if (p.F > 1u) { w.y = w_ih[r + 1u]; }
  if (p.F > 2u) { w.z = w_ih[r + 2u]; }
  if (p.F > 3u) { w.w = w_ih[r + 3u]; }
  return w;
}

// xp[q] = (W_ih x_t + b_ih)[q·H + j] for the G gate blocks of unit j: from xg, or with XG_CELL
// computed here (the per-step driver; the persistent one loads W_ih once per step for its rows).
fn input_projection(t: u32, b: u32, j: u32) -> vec4f {
  let H = p.H;
  var xp = vec4f();
  if (XG_CELL) {
    let xv = x_row(b, t);
    xp.x = project(xv, w_ih_row(0u, j), b_ih[j]);
    if (G > 1u) { xp.y = project(xv, w_ih_row(1u, j), b_ih[H + j]); xp.z = project(xv, w_ih_row(2u, j), b_ih[2u * H + j]); }
    if (G > 3u) { xp.w = project(xv, w_ih_row(3u, j), b_ih[3u * H + j]); }
  } else {
    let r = bm_row(b, t) * G * H + j;
    xp.x = xg[r];
    if (G > 1u) { xp.y = xg[r + H]; xp.z = xg[r + 2u * H]; }
    if (G > 3u) { xp.w = xg[r + 3u * H]; }
  }
  return xp;
}

// dL/dh_t of units j0 .. j0 + n − 1 from the output (the layer's dy) alone. A branch, not
// select(): select loads dy at every step, a per-lane load on lavapipe; t is uniform, so the
// branch is cheap.
fn output_grad(t: u32, b: u32, j0: u32, n: u32) -> vec4f {
  if (p.seq != 0u) { return units_of_dy((b * p.T + t) * p.H + j0, n); }
  if (t + 1u == p.T) { return units_of_dy(b * p.H + j0, n); }
  return vec4f();
}
fn units_of_dy(i: u32, n: u32) -> vec4f {
  var v = vec4f(dy[i], 0.0, 0.0, 0.0);
  if (UNITS > 1u && n > 1u) { v.y = dy[i + 1u]; }
  if (UNITS > 2u && n > 2u) { v.z = dy[i + 2u]; }
  if (UNITS > 3u && n > 3u) { v.w = dy[i + 3u]; }
  return v;
}

fn store_output(t: u32, b: u32, j0: u32, n: u32, h: vec4f) {
  var i = b * p.H + j0;
  if (p.seq != 0u) { i = (b * p.T + t) * p.H + j0; }
  else if (t + 1u != p.T) { return; }
  y[i] = h.x;
  if (UNITS > 1u && n > 1u) { y[i + 1u] = h.y; }
  if (UNITS > 2u && n > 2u) { y[i + 2u] = h.z; }
  if (UNITS > 3u && n > 3u) { y[i + 3u] = h.w; }
}

// Index of (t, b, j) in a [·, B, H] time-major buffer, and of row (b, t) in a batch-major one.
fn tm(t: u32, b: u32, j: u32) -> u32 { return (t * p.B + b) * p.H + j; }
fn bm_row(b: u32, t: u32) -> u32 { return b * p.T + t; }

// Per-step driver: one invocation per (b, j), step p.t.
struct Unit { b: u32, j: u32, ok: bool }

fn unit_of(wid: vec3u, nwg: vec3u, lid: u32) -> Unit {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  return Unit(i / p.H, i % p.H, i < p.B * p.H);
}

// hp[q] = Σ_k h_{t-1}[b, k]·W_hh[q·H + j, k] + b_hh[q·H + j] for the G gate rows of unit j.
@compute @workgroup_size(WG)
fn step_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let u = unit_of(wid, nwg, lid);
  if (!u.ok) { return; }
  let H = p.H;
  let h0 = (p.t * p.B + u.b) * H;
  var s = vec4f(gate_sum(h0, u.j), 0.0, 0.0, 0.0); // s[q]: gate q of unit j
  if (G > 1u) { s.y = gate_sum(h0, H + u.j); s.z = gate_sum(h0, 2u * H + u.j); }
  if (G > 3u) { s.w = gate_sum(h0, 3u * H + u.j); }
  let x = input_projection(p.t, u.b, u.j);
  // cells take [gate][unit]: unit 0 of each gate
  cell_forward(p.t, u.b, u.j, transpose(mat4x4f(s, vec4f(), vec4f(), vec4f())), transpose(mat4x4f(x, vec4f(), vec4f(), vec4f())), 1u);
}
fn gate_sum(h0: u32, row: u32) -> f32 {
  var s = b_hh[row];
  for (var k = 0u; k < p.H; k++) { s += hs_at(h0 + k) * w_hh[row * p.H + k]; }
  return s;
}

// rg = Σ_r dgh_{t+1}[b, r]·W_hh[r, j] over the G·H gate rows: dL/dh_t through step t+1's gates.
// (steps run t = T−1 … 0)
@compute @workgroup_size(WG)
fn step_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let u = unit_of(wid, nwg, lid);
  if (!u.ok) { return; }
  let GH = G * p.H;
  var rg = 0.0;
  if (p.t + 1u < p.T) {
    let d0 = ((p.t + 1u) * p.B + u.b) * GH;
    for (var r = 0u; r < GH; r++) { rg += dgh_at(d0 + r) * w_hh[r * p.H + u.j]; }
  }
  cell_backward(p.t, u.b, u.j, vec4f(rg, 0.0, 0.0, 0.0), 1u);
}
