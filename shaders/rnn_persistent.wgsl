// Persistent driver for the recurrent cells: all T steps in one dispatch. Each workgroup owns
// ROWS = 4·BLOCKS batch rows (all H units of each, BLOCKS ≤ 4) and loops over t with one barrier
// per step. Invocations stride over the units j, UNITS at a time; each computes them for all the
// workgroup's rows, a vec4 per block of 4 rows. W_hh is loaded once per (unit, k) and used for
// every block: on lavapipe each W_hh load is 8 per-lane scalar loads with a mask test and a bounds
// check (its address holds a loop index), which made them the cost when they were repeated per
// block (measured in docs/recurrent.md). What
// units share across a step boundary sits in workgroup memory, a vec4 per (block, k) holding the
// 4 rows' values:
//   forward  h_{t-1}, [2][BLOCKS][H];  backward dgh_{t+1}, [2][BLOCKS][G·H]
// double-buffered: step t reads half t mod 2 and writes the other, so the barrier after step t
// separates those writes from step t+1's reads, and step t's reads from step t+1's overwrites.
// Each unit (b, j) belongs to one invocation for all t; what a cell reads of its own unit at
// another step it reads back from the storage it wrote (same invocation: program order). Each
// row's sums run in the per-step driver's order (bias first, then k ascending), so both drivers
// agree to the bit on one adapter (checked in tests/kernels/rnn.test.ts). The host sizes SH
// (vec4s: 2·BLOCKS·H forward, 2·BLOCKS·G·H backward) within maxComputeWorkgroupStorageSize.
override BLOCKS: u32 = 1; // 1 to 4 (four block variables, a0 .. a3)
override SH: u32 = 2;
// PACKED_W (forward, UNITS = 4): W_hh copied once per dispatch into workgroup memory as vec4s of
// 4 units, packed_w[(k·UG + j0/4)·G + q] = W_hh[q·H + j0 .. j0 + 3, k] (UG = ceil(H/4) groups,
// units past H repeating the last): per k an invocation loads its 16 weights as 4 vec4s, not 16
// scalars (lavapipe runs each as a loop over the 8 lanes; adding step forward 7.6-8.4 → 6.0-6.8
// ms). SW: its vec4s, G·H·UG (the host checks it fits beside the exchange).
override PACKED_W: bool = false;
override SW: u32 = 1;
var<workgroup> exchange: array<vec4f, SH>;
var<workgroup> packed_w: array<vec4f, SW>;

// Every private value is indexed by constants: the blocks are four variables (a block past nb
// is never read), the units' lanes and the gates are taken under UNITS and G guards, and the rows
// of a block rotate through a matrix (row 0 is always the one at hand). SwiftShader ran each
// dynamically indexed access of a private array as a guarded load or store per lane: the adding
// step's forward took 137 ms with loops over the blocks, gates and units (lavapipe's NIR unrolls
// them, SwiftShader does not).

// s[u] += hk · w[u] for the invocation's units: one gate's (or one row's) sums over 4 rows.
fn add_units(s: mat4x4f, hk: vec4f, w: vec4f) -> mat4x4f {
  var r = s;
  r[0] += hk * w.x;
  if (UNITS > 1u) { r[1] += hk * w.y; }
  if (UNITS > 2u) { r[2] += hk * w.z; }
  if (UNITS > 3u) { r[3] += hk * w.w; }
  return r;
}

// a[q][u] += hk · w[q][u] for the G gates: one block's hidden projection, term k.
fn add_gates(a: ptr<function, array<mat4x4f, 4>>, hk: vec4f, w: mat4x4f) {
  (*a)[0] = add_units((*a)[0], hk, w[0]);
  if (G > 1u) { (*a)[1] = add_units((*a)[1], hk, w[1]); (*a)[2] = add_units((*a)[2], hk, w[2]); }
  if (G > 3u) { (*a)[3] = add_units((*a)[3], hk, w[3]); }
}

// v[u] = W_hh[(r + j0 + u)·stride + c] for u < UNITS (units past H repeat the last): a gate's
// column k (r = q·H, stride H, c = k) or a row's units (r = 0, stride 1, c = row·H).
fn w_hh_units(r: u32, j0: u32, stride: u32, c: u32) -> vec4f {
  let last = p.H - 1u;
  var w = vec4f(w_hh[(r + min(j0, last)) * stride + c], 0.0, 0.0, 0.0);
  if (UNITS > 1u) { w.y = w_hh[(r + min(j0 + 1u, last)) * stride + c]; }
  if (UNITS > 2u) { w.z = w_hh[(r + min(j0 + 2u, last)) * stride + c]; }
  if (UNITS > 3u) { w.w = w_hh[(r + min(j0 + 3u, last)) * stride + c]; }
  return w;
}

// W_hh[q·H + j0 + u, k] for the G gates (columns q of the result), from packed_w or storage.
fn gate_weights(k: u32, j0: u32) -> mat4x4f {
  let H = p.H;
  var w = mat4x4f();
  if (PACKED_W) {
    let i = (k * ((H + 3u) / 4u) + j0 / 4u) * G;
    w[0] = packed_w[i];
    if (G > 1u) { w[1] = packed_w[i + 1u]; w[2] = packed_w[i + 2u]; }
    if (G > 3u) { w[3] = packed_w[i + 3u]; }
  } else {
    w[0] = w_hh_units(0u, j0, H, k);
    if (G > 1u) { w[1] = w_hh_units(H, j0, H, k); w[2] = w_hh_units(2u * H, j0, H, k); }
    if (G > 3u) { w[3] = w_hh_units(3u * H, j0, H, k); }
  }
  return w;
}

// b_hh of the units, each splat over a block's 4 rows: the sums' starting values for gate q.
fn bias_units(q: u32, j0: u32) -> mat4x4f {
  let last = p.H - 1u;
  var s = mat4x4f(vec4f(b_hh[q * p.H + min(j0, last)]), vec4f(), vec4f(), vec4f());
  if (UNITS > 1u) { s[1] = vec4f(b_hh[q * p.H + min(j0 + 1u, last)]); }
  if (UNITS > 2u) { s[2] = vec4f(b_hh[q * p.H + min(j0 + 2u, last)]); }
  if (UNITS > 3u) { s[3] = vec4f(b_hh[q * p.H + min(j0 + 3u, last)]); }
  return s;
}
fn bias_gates(j0: u32) -> array<mat4x4f, 4> {
  var a: array<mat4x4f, 4>;
  a[0] = bias_units(0u, j0);
  if (G > 1u) { a[1] = bias_units(1u, j0); a[2] = bias_units(2u, j0); }
  if (G > 3u) { a[3] = bias_units(3u, j0); }
  return a;
}

// XG_CELL: W_ih of the units for gate q, column f = feature f over the units; and b_ih.
fn w_ih_units(q: u32, j0: u32) -> mat4x4f {
  let last = p.H - 1u;
  var m = mat4x4f(w_ih_row(q, min(j0, last)), vec4f(), vec4f(), vec4f()); // m[u]: unit j0 + u's row
  if (UNITS > 1u) { m[1] = w_ih_row(q, min(j0 + 1u, last)); }
  if (UNITS > 2u) { m[2] = w_ih_row(q, min(j0 + 2u, last)); }
  if (UNITS > 3u) { m[3] = w_ih_row(q, min(j0 + 3u, last)); }
  return transpose(m);
}
fn b_ih_units(q: u32, j0: u32) -> vec4f {
  let last = p.H - 1u;
  var v = vec4f(b_ih[q * p.H + min(j0, last)], 0.0, 0.0, 0.0);
  if (UNITS > 1u) { v.y = b_ih[q * p.H + min(j0 + 1u, last)]; }
  if (UNITS > 2u) { v.z = b_ih[q * p.H + min(j0 + 2u, last)]; }
  if (UNITS > 3u) { v.w = b_ih[q * p.H + min(j0 + 3u, last)]; }
  return v;
}

// (W_ih x + b_ih) of the units for one gate, summed as project() sums: from 0 in feature order.
fn project_units(xv: vec4f, w: mat4x4f, bias: vec4f) -> vec4f {
  var s = fma(vec4f(xv.x), w[0], vec4f());
  if (p.F > 1u) { s = fma(vec4f(xv.y), w[1], s); }
  if (p.F > 2u) { s = fma(vec4f(xv.z), w[2], s); }
  if (p.F > 3u) { s = fma(vec4f(xv.w), w[3], s); }
  return s + bias;
}

// xp[q][u]: the input projection of units j0 + u at (t, b), from xg (no XG_CELL).
fn xg_units(t: u32, b: u32, j0: u32) -> mat4x4f {
  let last = p.H - 1u;
  var m = mat4x4f(input_projection(t, b, min(j0, last)), vec4f(), vec4f(), vec4f()); // m[u][q]
  if (UNITS > 1u) { m[1] = input_projection(t, b, min(j0 + 1u, last)); }
  if (UNITS > 2u) { m[2] = input_projection(t, b, min(j0 + 2u, last)); }
  if (UNITS > 3u) { m[3] = input_projection(t, b, min(j0 + 3u, last)); }
  return transpose(m);
}

// Exchange stores of the first n units' 4-row vectors v[u], from index i (unit j0).
fn store_exchange(i: u32, n: u32, v: mat4x4f) {
  exchange[i] = v[0];
  if (UNITS > 1u && n > 1u) { exchange[i + 1u] = v[1]; }
  if (UNITS > 2u && n > 2u) { exchange[i + 2u] = v[2]; }
  if (UNITS > 3u && n > 3u) { exchange[i + 3u] = v[3]; }
}

// The next row of a block: m[r] moves to m[r − 1], v comes in at 3.
fn rotate_in(m: mat4x4f, v: vec4f) -> mat4x4f { return mat4x4f(m[1], m[2], m[3], v); }

@compute @workgroup_size(WG)
fn seq_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let H = p.H;
  let n = BLOCKS * H;
  let b0 = flat_workgroup(wid, nwg) * 4u * BLOCKS;
  let nb = min(BLOCKS, (p.B - b0 + 3u) / 4u); // blocks holding rows < B
  for (var u = lid; u < 2u * n; u += WG) { exchange[u] = vec4f(); } // h_{-1} = 0, and padding rows
  let UG = (H + 3u) / 4u;
  if (PACKED_W) {
    for (var i = lid; i < H * UG * G; i += WG) {
      let q = i % G;
      let jq = (i / G) % UG;
      packed_w[i] = w_hh_units(q * H, 4u * jq, H, i / (UG * G)); // UNITS = 4
    }
  }
  workgroupBarrier();
  for (var t = 0u; t < p.T; t++) {
    let cur = (t & 1u) * n;
    for (var j0 = lid * UNITS; j0 < H; j0 += WG * UNITS) {
      // a_blk[q][u]: gate q of unit j0 + u, block blk's 4 rows; summed from b_hh up in k order
      var a0 = bias_gates(j0);
      var a1 = a0;
      var a2 = a0;
      var a3 = a0;
      for (var k = 0u; k < H; k++) {
        let w = gate_weights(k, j0);
        add_gates(&a0, exchange[cur + k], w);
        if (BLOCKS > 1u && nb > 1u) { add_gates(&a1, exchange[cur + H + k], w); }
        if (BLOCKS > 2u && nb > 2u) { add_gates(&a2, exchange[cur + 2u * H + k], w); }
        if (BLOCKS > 3u && nb > 3u) { add_gates(&a3, exchange[cur + 3u * H + k], w); }
      }
      // XG_CELL: W_ih and b_ih of the units, loaded once per step for all the rows (as W_hh).
      var wx: array<mat4x4f, 4>;
      var bx = mat4x4f();
      if (XG_CELL) {
        wx[0] = w_ih_units(0u, j0);
        bx[0] = b_ih_units(0u, j0);
        if (G > 1u) { wx[1] = w_ih_units(1u, j0); wx[2] = w_ih_units(2u, j0); bx[1] = b_ih_units(1u, j0); bx[2] = b_ih_units(2u, j0); }
        if (G > 3u) { wx[3] = w_ih_units(3u, j0); bx[3] = b_ih_units(3u, j0); }
      }
      let nu = min(UNITS, H - j0); // the units below H
      for (var blk = 0u; blk < nb; blk++) {
        // hq[q][r]: gate q of the units at row r; a0 is this block (the others move up)
        var hq = array(transpose(a0[0]), transpose(a0[1]), transpose(a0[2]), transpose(a0[3]));
        a0 = a1;
        a1 = a2;
        a2 = a3;
        var h = mat4x4f(); // h[r]: h_t of the units at row r (rows past B stay 0), rotated in
        for (var r = 0u; r < 4u; r++) {
          let b = b0 + 4u * blk + r;
          var hr = vec4f();
          if (b < p.B) {
            var xp = mat4x4f();
            if (XG_CELL) {
              let xv = x_row(b, t);
              xp[0] = project_units(xv, wx[0], bx[0]);
              if (G > 1u) { xp[1] = project_units(xv, wx[1], bx[1]); xp[2] = project_units(xv, wx[2], bx[2]); }
              if (G > 3u) { xp[3] = project_units(xv, wx[3], bx[3]); }
            } else {
              xp = xg_units(t, b, j0);
            }
            hr = cell_forward(t, b, j0, mat4x4f(hq[0][0], hq[1][0], hq[2][0], hq[3][0]), xp, nu);
          }
          h = rotate_in(h, hr);
          hq = array(rotate_in(hq[0], vec4f()), rotate_in(hq[1], vec4f()), rotate_in(hq[2], vec4f()), rotate_in(hq[3], vec4f()));
        }
        store_exchange(n - cur + blk * H + j0, nu, transpose(h)); // unit j0 + u's 4 rows
      }
    }
    workgroupBarrier();
  }
}

// Steps run t = T−1 … 0; dgh_t goes to workgroup memory for step t−1's rg.
@compute @workgroup_size(WG)
fn seq_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let H = p.H;
  let GH = G * H;
  let m = BLOCKS * GH;
  let b0 = flat_workgroup(wid, nwg) * 4u * BLOCKS;
  let nb = min(BLOCKS, (p.B - b0 + 3u) / 4u);
  for (var s = 0u; s < p.T; s++) {
    let t = p.T - 1u - s;
    let cur = (s & 1u) * m; // dgh_{t+1} (unread at s = 0)
    for (var j0 = lid * UNITS; j0 < H; j0 += WG * UNITS) {
      // rg_blk column u: W_hhᵀ·dgh_{t+1} of unit j0 + u, block blk's rows
      var rg0 = mat4x4f();
      var rg1 = mat4x4f();
      var rg2 = mat4x4f();
      var rg3 = mat4x4f();
      if (s > 0u) {
        for (var r = 0u; r < GH; r++) {
          let w = w_hh_units(0u, j0, 1u, r * H); // w[u] = W_hh[r, j0 + u]
          rg0 = add_units(rg0, exchange[cur + r], w);
          if (BLOCKS > 1u && nb > 1u) { rg1 = add_units(rg1, exchange[cur + GH + r], w); }
          if (BLOCKS > 2u && nb > 2u) { rg2 = add_units(rg2, exchange[cur + 2u * GH + r], w); }
          if (BLOCKS > 3u && nb > 3u) { rg3 = add_units(rg3, exchange[cur + 3u * GH + r], w); }
        }
      }
      let nu = min(UNITS, H - j0); // the units below H
      for (var blk = 0u; blk < nb; blk++) {
        var rgr = transpose(rg0); // rgr[r]: the units' sums at row r; rg0 is this block
        rg0 = rg1;
        rg1 = rg2;
        rg2 = rg3;
        var dg: array<mat4x4f, 4>; // dg[q][r]: gate q of the units at row r (rows past B stay 0), rotated in
        for (var r = 0u; r < 4u; r++) {
          let b = b0 + 4u * blk + r;
          var g = mat4x4f();
          if (b < p.B) { g = cell_backward(t, b, j0, rgr[0], nu); }
          rgr = rotate_in(rgr, vec4f());
          dg = array(rotate_in(dg[0], g[0]), rotate_in(dg[1], g[1]), rotate_in(dg[2], g[2]), rotate_in(dg[3], g[3]));
        }
        let e = m - cur + blk * GH + j0; // gate q of unit j0 + u: e + q·H + u, its 4 rows
        store_exchange(e, nu, transpose(dg[0]));
        if (G > 1u) { store_exchange(e + H, nu, transpose(dg[1])); store_exchange(e + 2u * H, nu, transpose(dg[2])); }
        if (G > 3u) { store_exchange(e + 3u * H, nu, transpose(dg[3])); }
      }
    }
    workgroupBarrier();
  }
}
