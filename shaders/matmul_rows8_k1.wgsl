// C = op(A)·B for any K, N % 4 == 0: op(A) read as scalars, one row per lane and k, B as vec4s
// (matmul_rows8.wgsl). Per k a lane's scalar and vec4 load feed 32 FMAs (matmul_broadcast: four
// scalar loads). dX = dY·W (A [M, K]; the last layer's dX, K = its 10 classes, and on lavapipe
// every dX) and, with TRANS_A, dW = dYᵀ·X (A [K, M]: the 8 lanes' rows are adjacent floats of a
// row of A). In a module that starts with `enable subgroups;`; sums over k in order with fma
// from 0: matmul_broadcast's bits (SUM_A sums from 0 in k order: bias_grad's).
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<vec4f>;

// TALL: 16 rows a workgroup (rows m0 + 8 + l too, in a second Acc8): per k three loads feed
// 64 FMAs instead of two 32.
override TALL: bool = false;

// A workgroup's sums: rows m0 .. (acc), m0 + 8 .. (acc2, TALL); s, s2: this lane's rows' Σ_k op(A).
struct K1Sums { m0: u32, acc: Acc8, acc2: Acc8, s: f32, s2: f32 }

// One k of 8 rows: lane l's value x of row m0 + l, broadcast to every lane, times its columns bv.
fn broadcast8_step(acc: ptr<function, Acc8>, x: f32, bv: vec4f) {
  rows8_step(acc, vec4f(subgroupBroadcast(x, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(x, 2u), subgroupBroadcast(x, 3u)), vec4f(subgroupBroadcast(x, 4u), subgroupBroadcast(x, 5u), subgroupBroadcast(x, 6u), subgroupBroadcast(x, 7u)), bv);
}

// Stores the workgroup's block of C and returns its sums (the tn entry point stores db from them).
fn rows8_k1_sums(wid: vec3u, lane: u32) -> K1Sums {
  let rows = select(8u, 16u, TALL);
  let blk = rows8_block(vec3u(wid.x, 0u, 0u), lane);
  let m0 = wid.y * rows;
  let ma = min(m0 + lane, p.M - 1u); // rows past M read the last one (not stored)
  let mb = min(m0 + 8u + lane, p.M - 1u); // TALL
  // op(A)[m, k] at a[m·K + k], or (TRANS_A) a[k·M + m]: a start and a step per k
  let step = select(1u, p.M, TRANS_A);
  var ia = select(ma * p.K, ma, TRANS_A);
  var ib = select(mb * p.K, mb, TRANS_A);
  var r: K1Sums;
  r.m0 = m0;
  for (var k = 0u; k < p.K; k++) {
    let bv = b[k * blk.sb + blk.nq];
    let x = a[ia];
    ia += step;
    broadcast8_step(&r.acc, x, bv);
    if (SUM_A) { r.s += x; }
    if (TALL) {
      let y = a[ib];
      ib += step;
      broadcast8_step(&r.acc2, y, bv);
      if (SUM_A) { r.s2 += y; }
    }
  }
  store_rows8(Rows8Block(m0, blk.n0, blk.sb, blk.nq, 0u), lane, r.acc);
  if (TALL) { store_rows8(Rows8Block(m0 + 8u, blk.n0, blk.sb, blk.nq, 0u), lane, r.acc2); }
  return r;
}

// out[m, n] = act(Σ_k A[m, k]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_broadcast_rows8_k1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  _ = rows8_k1_sums(wid, lane);
}

// TRANS_A: out[m, n] = act(Σ_k A[k, m]·B[k, n] + bias[n]); SUM_A: db[m] = Σ_k A[k, m]   (=)
@compute @workgroup_size(8)
fn matmul_tn_rows8_k1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let r = rows8_k1_sums(wid, lane);
  if (SUM_A && wid.x == 0u) {
    if (r.m0 + lane < p.M) { sum_a[r.m0 + lane] = r.s; }
    if (TALL && r.m0 + 8u + lane < p.M) { sum_a[r.m0 + 8u + lane] = r.s2; }
  }
}
