// Shared by the recurrent families (rnn.wgsl, lstm.wgsl, gru.wgsl): one step t of the recurrence
// per dispatch, one invocation per (batch row b, unit j). Layouts (H units, G gates, B rows, T steps):
//   xg    [B·T, G·H] batch-major: X·W_ihᵀ + b_ih for every step, from one matmul before the loop
//   hs    [T+1, B, H] time-major: hs[0] = h_{-1} = 0 (zeroed once, never written), hs[t+1] = h_t
//   cs    [T+1, B, H] LSTM cell states, cs[0] = 0
//   gates [T, B, 4H] what backward needs: LSTM i, f, g, o (activated); GRU r, z, n, W_hn·h + b_hn
//   dgx   [B·T, G·H] batch-major (rows match X: dW_ih = dgxᵀ·X and dX = dgx·W_ih are plain matmuls)
//   dgh   [T, B, G·H] time-major (rows match hs[0..T): dW_hh = dghᵀ·h_prev is one matmul)
//   dhs   [T, B, H] dL/dh_t (total, through output and recurrence): ‖·‖ per t is the diagnostic
// Steps run in order because each dispatch of a pass sees the previous one's stores.
// Buffers written at one step and read at another are bound read_write: a dispatch may not bind
// one buffer both ways, and backward reads hs, cs and gates through these same bindings.
override WG: u32 = 64;

struct Params {
  T: u32,
  B: u32,
  H: u32,
  t: u32,
  seq: u32, // return_sequences: y is [B, T·H] (else [B, H], written at t = T − 1)
}

@group(0) @binding(0) var<storage, read_write> y: array<f32>;
@group(0) @binding(1) var<storage, read_write> hs: array<f32>;
@group(0) @binding(2) var<storage, read_write> cs: array<f32>;
@group(0) @binding(3) var<storage, read_write> gates: array<f32>;
@group(0) @binding(4) var<storage, read_write> dgx: array<f32>;
@group(0) @binding(5) var<storage, read_write> dgh: array<f32>;
@group(0) @binding(6) var<storage, read_write> dhs: array<f32>;
@group(0) @binding(7) var<storage, read_write> dcs: array<f32>;
@group(0) @binding(8) var<storage, read> xg: array<f32>;
@group(0) @binding(9) var<storage, read> w_hh: array<f32>;
@group(0) @binding(10) var<storage, read> b_hh: array<f32>;
@group(0) @binding(11) var<storage, read> dy: array<f32>;
@group(0) @binding(12) var<uniform> p: Params;

struct Unit { b: u32, j: u32, ok: bool }

fn unit_of(wid: vec3u, nwg: vec3u, lid: u32) -> Unit {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  return Unit(i / p.H, i % p.H, i < p.B * p.H);
}

// Σ_k h_{t-1}[b, k]·W_hh[row, k] + b_hh[row]: one gate row of the hidden projection.
fn hidden_proj(b: u32, row: u32) -> f32 {
  let h0 = (p.t * p.B + b) * p.H;
  let w0 = row * p.H;
  var s = b_hh[row];
  for (var k = 0u; k < p.H; k++) { s += hs[h0 + k] * w_hh[w0 + k]; }
  return s;
}

// Σ_r dgh_{t+1}[b, r]·W_hh[r, j] over the G·H gate rows: dL/dh_t through step t+1's gates.
fn recurrent_grad(b: u32, j: u32, G: u32) -> f32 {
  let GH = G * p.H;
  let d0 = ((p.t + 1u) * p.B + b) * GH;
  var s = 0.0;
  for (var r = 0u; r < GH; r++) { s += dgh[d0 + r] * w_hh[r * p.H + j]; }
  return s;
}

// dL/dh_t from the output (the layer's dy) alone.
fn output_grad(b: u32, j: u32) -> f32 {
  if (p.seq != 0u) { return dy[(b * p.T + p.t) * p.H + j]; }
  return select(0.0, dy[b * p.H + j], p.t + 1u == p.T);
}

fn store_output(b: u32, j: u32, h: f32) {
  if (p.seq != 0u) { y[(b * p.T + p.t) * p.H + j] = h; }
  else if (p.t + 1u == p.T) { y[b * p.H + j] = h; }
}

// Index of (t, b, j) in a [·, B, H] time-major buffer, and of row (b, t) in a batch-major one.
fn tm(t: u32, b: u32, j: u32) -> u32 { return (t * p.B + b) * p.H + j; }
fn bm_row(b: u32) -> u32 { return b * p.T + p.t; }
