// Persistent driver for the recurrent cells: all T steps in one dispatch. Each workgroup owns
// ROWS = 4·BLOCKS batch rows (all H units of each) and loops over t with one barrier per step.
// Invocations stride over the units j, UNITS at a time; each computes them for a block of 4 rows
// at once (vec4 lanes = rows), so one load of W_hh serves 4 rows. What units share across a step
// boundary sits in workgroup memory, a vec4 per (block, k) holding the 4 rows' values:
//   forward  h_{t-1}, [2][BLOCKS][H];  backward dgh_{t+1}, [2][BLOCKS][G·H]
// double-buffered: step t reads half t mod 2 and writes the other, so the barrier after step t
// separates those writes from step t+1's reads, and step t's reads from step t+1's overwrites.
// Each unit (b, j) belongs to one invocation for all t; what a cell reads of its own unit at
// another step it reads back from the storage it wrote (same invocation: program order). Each
// row's sums run in the per-step driver's order, so both drivers agree to the bit on one adapter
// (checked in tests/kernels/rnn.test.ts). The host sizes SH (vec4s: 2·BLOCKS·H forward,
// 2·BLOCKS·G·H backward) within maxComputeWorkgroupStorageSize.
override BLOCKS: u32 = 1;
override UNITS: u32 = 1; // units per invocation, 1 to 4: one load of h (or dgh) serves them all
override SH: u32 = 2;
var<workgroup> exchange: array<vec4f, SH>;

@compute @workgroup_size(WG)
fn seq_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let H = p.H;
  let n = BLOCKS * H;
  let b0 = flat_workgroup(wid, nwg) * 4u * BLOCKS;
  for (var u = lid; u < 2u * n; u += WG) { exchange[u] = vec4f(); } // h_{-1} = 0, and padding rows
  workgroupBarrier();
  for (var t = 0u; t < p.T; t++) {
    let cur = (t & 1u) * n;
    for (var blk = 0u; blk < BLOCKS && b0 + 4u * blk < p.B; blk++) {
      let h0 = cur + blk * H;
      for (var j0 = lid * UNITS; j0 < H; j0 += WG * UNITS) {
        // hp[q][u]: gate q's W_hh·h_{t-1} + b_hh of unit j0 + u for the 4 rows, summed from b_hh
        // up in k order (units past H repeat the last one and are not stored)
        var hp = array<mat4x4f, 4>();
        for (var q = 0u; q < G; q++) {
          for (var u = 0u; u < UNITS; u++) { hp[q][u] = vec4f(b_hh[q * H + min(j0 + u, H - 1u)]); }
        }
        for (var k = 0u; k < H; k++) {
          let hk = exchange[h0 + k];
          for (var q = 0u; q < G; q++) {
            for (var u = 0u; u < UNITS; u++) { hp[q][u] += hk * w_hh[(q * H + min(j0 + u, H - 1u)) * H + k]; }
          }
        }
        for (var u = 0u; u < UNITS && j0 + u < H; u++) {
          let rows = transpose(mat4x4f(hp[0][u], hp[1][u], hp[2][u], hp[3][u]));
          for (var r = 0u; r < 4u; r++) {
            let b = b0 + 4u * blk + r;
            if (b < p.B) { exchange[n - cur + blk * H + j0 + u][r] = cell_forward(t, b, j0 + u, rows[r]); }
          }
        }
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
  for (var s = 0u; s < p.T; s++) {
    let t = p.T - 1u - s;
    let cur = (s & 1u) * m; // dgh_{t+1} (unread at s = 0)
    for (var blk = 0u; blk < BLOCKS && b0 + 4u * blk < p.B; blk++) {
      let d0 = cur + blk * GH;
      for (var j0 = lid * UNITS; j0 < H; j0 += WG * UNITS) {
        // column u: W_hhᵀ·dgh_{t+1} of unit j0 + u for the 4 rows. Zeroed explicitly: declared
        // without an initializer inside the loop it kept the last iteration's sums on lavapipe.
        var rg = mat4x4f();
        if (s > 0u) {
          for (var r = 0u; r < GH; r++) {
            let e = exchange[d0 + r];
            for (var u = 0u; u < UNITS; u++) { rg[u] += e * w_hh[r * H + min(j0 + u, H - 1u)]; }
          }
        }
        for (var u = 0u; u < UNITS && j0 + u < H; u++) {
          for (var r = 0u; r < 4u; r++) {
            let b = b0 + 4u * blk + r;
            if (b < p.B) {
              let dg = cell_backward(t, b, j0 + u, rg[u][r]);
              for (var q = 0u; q < G; q++) { exchange[m - cur + blk * GH + q * H + j0 + u][r] = dg[q]; }
            }
          }
        }
      }
    }
    workgroupBarrier();
  }
}
