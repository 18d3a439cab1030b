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
override BLOCKS: u32 = 1; // 1 to MAX_BLOCKS
override SH: u32 = 2;
// PACKED_W (forward, UNITS = 4): W_hh copied once per dispatch into workgroup memory as vec4s of
// 4 units, packed_w[(k·UG + j0/4)·G + q] = W_hh[q·H + j0 .. j0 + 3, k] (UG = ceil(H/4) groups,
// units past H repeating the last): per k an invocation loads its 16 weights as 4 vec4s, not 16
// scalars (lavapipe runs each as a loop over the 8 lanes; adding step forward 7.6-8.4 → 6.0-6.8
// ms). SW: its vec4s, G·H·UG (the host checks it fits beside the exchange).
override PACKED_W: bool = false;
override SW: u32 = 1;
const MAX_BLOCKS = 4u; // private arrays need a constant size
var<workgroup> exchange: array<vec4f, SH>;
var<workgroup> packed_w: array<vec4f, SW>;

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
      let k = i / (UG * G);
      let jq = (i / G) % UG;
      let q = i % G;
      var v = vec4f();
      for (var u = 0u; u < 4u; u++) { v[u] = w_hh[(q * H + min(4u * jq + u, H - 1u)) * H + k]; }
      packed_w[i] = v;
    }
  }
  workgroupBarrier();
  for (var t = 0u; t < p.T; t++) {
    let cur = (t & 1u) * n;
    for (var j0 = lid * UNITS; j0 < H; j0 += WG * UNITS) {
      // summed from b_hh up in k order (units past H repeat the last one and are not stored)
      var hp: array<array<mat4x4f, 4>, MAX_BLOCKS>; // hp[blk][q][u]: gate q of unit j0 + u, block blk's 4 rows
      for (var q = 0u; q < G; q++) {
        for (var u = 0u; u < UNITS; u++) {
          let bias = vec4f(b_hh[q * H + min(j0 + u, H - 1u)]);
          for (var blk = 0u; blk < nb; blk++) { hp[blk][q][u] = bias; }
        }
      }
      for (var k = 0u; k < H; k++) {
        var w: array<vec4f, 4>; // w[q][u] = W_hh[q·H + j0 + u, k]
        for (var q = 0u; q < G; q++) {
          if (PACKED_W) { w[q] = packed_w[(k * UG + j0 / 4u) * G + q]; continue; }
          for (var u = 0u; u < UNITS; u++) { w[q][u] = w_hh[(q * H + min(j0 + u, H - 1u)) * H + k]; }
        }
        for (var blk = 0u; blk < nb; blk++) {
          let hk = exchange[cur + blk * H + k];
          for (var q = 0u; q < G; q++) {
            for (var u = 0u; u < UNITS; u++) { hp[blk][q][u] += hk * w[q][u]; }
          }
        }
      }
      // XG_CELL: W_ih and b_ih of the units, loaded once per step for all the rows (as W_hh).
      var wx: array<array<vec4f, 4>, 4>; // wx[q][u] = W_ih[q·H + j0 + u, 0 .. F)
      var bx: array<vec4f, 4>; // bx[q][u] = b_ih[q·H + j0 + u]
      if (XG_CELL) {
        for (var q = 0u; q < G; q++) {
          for (var u = 0u; u < UNITS; u++) {
            let j = min(j0 + u, H - 1u);
            wx[q][u] = w_ih_row(q, j);
            bx[q][u] = b_ih[q * H + j];
          }
        }
      }
      let nu = min(UNITS, H - j0); // the units below H
      for (var blk = 0u; blk < nb; blk++) {
        var xr: array<vec4f, 4>; // XG_CELL: x_t of the block's 4 rows
        if (XG_CELL) { for (var r = 0u; r < 4u; r++) { xr[r] = x_row(min(b0 + 4u * blk + r, p.B - 1u), t); } }
        // hq[q][r]: gate q of the units at row r (cells take [gate][unit])
        let hq = array(transpose(hp[blk][0]), transpose(hp[blk][1]), transpose(hp[blk][2]), transpose(hp[blk][3]));
        var h: mat4x4f; // h[r]: h_t of the units at row r (rows past B stay 0)
        for (var r = 0u; r < 4u; r++) {
          let b = b0 + 4u * blk + r;
          if (b < p.B) {
            var xp: mat4x4f;
            for (var u = 0u; u < UNITS; u++) {
              var x = vec4f();
              if (XG_CELL) { for (var q = 0u; q < G; q++) { x[q] = project(xr[r], wx[q][u], bx[q][u]); } }
              else { x = input_projection(t, b, min(j0 + u, H - 1u)); }
              for (var q = 0u; q < G; q++) { xp[q][u] = x[q]; }
            }
            h[r] = cell_forward(t, b, j0, mat4x4f(hq[0][r], hq[1][r], hq[2][r], hq[3][r]), xp, nu);
          }
        }
        let hu = transpose(h); // hu[u]: unit j0 + u's 4 rows, one exchange store each
        for (var u = 0u; u < nu; u++) { exchange[n - cur + blk * H + j0 + u] = hu[u]; }
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
      // Zeroed explicitly: declared without an initializer inside the loop it kept the last
      // iteration's sums on lavapipe.
      var rg: array<mat4x4f, MAX_BLOCKS>; // rg[blk] column u: W_hhᵀ·dgh_{t+1} of unit j0 + u, block blk's rows
      for (var blk = 0u; blk < nb; blk++) { rg[blk] = mat4x4f(); }
      if (s > 0u) {
        for (var r = 0u; r < GH; r++) {
          var w = vec4f(); // w[u] = W_hh[r, j0 + u]
          for (var u = 0u; u < UNITS; u++) { w[u] = w_hh[r * H + min(j0 + u, H - 1u)]; }
          for (var blk = 0u; blk < nb; blk++) {
            let e = exchange[cur + blk * GH + r];
            for (var u = 0u; u < UNITS; u++) { rg[blk][u] += e * w[u]; }
          }
        }
      }
      let nu = min(UNITS, H - j0); // the units below H
      for (var blk = 0u; blk < nb; blk++) {
        var dg: array<mat4x4f, 4>; // dg[q][u]: gate q of unit j0 + u for the block's 4 rows, one exchange store each (rows past B stay 0)
        for (var r = 0u; r < 4u; r++) {
          let b = b0 + 4u * blk + r;
          if (b < p.B) {
            var rgr = vec4f();
            for (var u = 0u; u < UNITS; u++) { rgr[u] = rg[blk][u][r]; }
            let g = cell_backward(t, b, j0, rgr, nu);
            for (var q = 0u; q < G; q++) { for (var u = 0u; u < UNITS; u++) { dg[q][u][r] = g[q][u]; } }
          }
        }
        for (var q = 0u; q < G; q++) {
          for (var u = 0u; u < nu; u++) { exchange[m - cur + blk * GH + q * H + j0 + u] = dg[q][u]; }
        }
      }
    }
    workgroupBarrier();
  }
}
