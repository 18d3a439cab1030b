// matmul_broadcast (matmul_subgroups.wgsl) with vec4 loads. First for C = A·Bᵀ (a dense layer's
// forward X·Wᵀ, TRANS_B), where both operands are contiguous along K; K % 4 == 0. Appended to
// matmul_vec4.wgsl (a, b as vec4) and matmul_rows8.wgsl in a module that starts with `enable
// subgroups;`. On lavapipe every load is a per-lane loop, whatever its width, so loads per FMA
// decide the speed: here a workgroup is one subgroup of 8 lanes and lane j owns columns n0 + j and n0 + 8 + j of 16 rows,
// as in matmul_broadcast, but per 4 k lane j loads rows m0 + 2j and m0 + 2j + 1 of A and its two
// columns of B as four vec4s (matmul_broadcast: 16 scalar loads), and broadcasts hand every lane
// the 16 rows. Each sum runs over k in order with fma from 0, as matmul_broadcast's: the same bits.

struct Acc4 { c: array<vec4f, 4>, d: array<vec4f, 4> } // c[q][i] = C[m0 + 4q + i, n], d: column n + 8

// Rows 4q .. 4q+3 at k0 .. k0+3 (r0..r3, a row's 4 k each) times this lane's two columns.
fn quad_rows(s: ptr<function, Acc4>, q: u32, r0: vec4f, r1: vec4f, r2: vec4f, r3: vec4f, bn: vec4f, bn8: vec4f) {
  for (var i = 0u; i < 4u; i++) {
    let col = vec4f(r0[i], r1[i], r2[i], r3[i]);
    (*s).c[q] = fma(col, vec4f(bn[i]), (*s).c[q]);
    (*s).d[q] = fma(col, vec4f(bn8[i]), (*s).d[q]);
  }
}

// Four k: lane l holds rows m0 + 2l (x) and m0 + 2l + 1 (y); subgroupBroadcast needs a constant lane.
fn quad(s: ptr<function, Acc4>, x: vec4f, y: vec4f, bn: vec4f, bn8: vec4f) {
  quad_rows(s, 0u, subgroupBroadcast(x, 0u), subgroupBroadcast(y, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(y, 1u), bn, bn8);
  quad_rows(s, 1u, subgroupBroadcast(x, 2u), subgroupBroadcast(y, 2u), subgroupBroadcast(x, 3u), subgroupBroadcast(y, 3u), bn, bn8);
  quad_rows(s, 2u, subgroupBroadcast(x, 4u), subgroupBroadcast(y, 4u), subgroupBroadcast(x, 5u), subgroupBroadcast(y, 5u), bn, bn8);
  quad_rows(s, 3u, subgroupBroadcast(x, 6u), subgroupBroadcast(y, 6u), subgroupBroadcast(x, 7u), subgroupBroadcast(y, 7u), bn, bn8);
}

// out[m, n] = act(Σ_k A[m, k]·B[n, k] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_broadcast_vec4(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wid.y * 16u;
  let n = wid.x * 16u + lane;
  let kq = p.K / 4u;
  // Rows past M and columns past N read the last one (their sums are not stored).
  let ax = min(m0 + 2u * lane, p.M - 1u) * kq;
  let ay = min(m0 + 2u * lane + 1u, p.M - 1u) * kq;
  let bn = min(n, p.N - 1u) * kq;
  let bn8 = min(n + 8u, p.N - 1u) * kq;
  var s: Acc4;
  for (var k = 0u; k < kq; k++) { quad(&s, a[ax + k], a[ay + k], b[bn + k], b[bn8 + k]); }
  store_rows16(m0, n, s.c, s.d);
}

// C = A·B (dX = dY·W) with K % 4 == 0 as well: per 4 k lane l loads row m0 + l of A as a vec4,
// which broadcasts share out (matmul_rows8.wgsl: the lanes' columns, the sums): 5 vec4 loads feed
// 128 FMAs per lane. Sums run over k in order with fma from 0: matmul_broadcast's bits.
// out[m, n] = act(Σ_k A[m, k]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_broadcast_rows8(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let blk = rows8_block(wid, lane);
  let kq = p.K / 4u;
  let ra = blk.row * kq;
  var acc: Acc8;
  for (var k = 0u; k < kq; k++) {
    let x = a[ra + k];
    let r0 = subgroupBroadcast(x, 0u); let r1 = subgroupBroadcast(x, 1u);
    let r2 = subgroupBroadcast(x, 2u); let r3 = subgroupBroadcast(x, 3u);
    let r4 = subgroupBroadcast(x, 4u); let r5 = subgroupBroadcast(x, 5u);
    let r6 = subgroupBroadcast(x, 6u); let r7 = subgroupBroadcast(x, 7u);
    for (var i = 0u; i < 4u; i++) {
      rows8_step(&acc, vec4f(r0[i], r1[i], r2[i], r3[i]), vec4f(r4[i], r5[i], r6[i], r7[i]), b[(4u * k + i) * blk.sb + blk.nq]);
    }
  }
  store_rows8(blk, lane, acc);
}

// dW = Aᵀ·B (TRANS_A: A [K, M], B [K, N], M and N multiples of 4) as broadcast_rows8 does
// dX: per 4 k lane l loads A's row m-quad (l & 1) at k0 + (l >> 1) as one vec4, so the 8 lanes
// hold the 8 rows' 4 k that broadcasts share out, and each lane its vec4 of B per k: 5 vec4
// loads feed 128 FMAs per lane (tn_vec4: 16 per 256). Sums over k in order with fma from 0
// (matmul_broadcast's bits), the SUM_A sums in order from 0 (bias_grad's).
// out[m, n] = act(Σ_k A[k, m]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_tn_rows8(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let blk = rows8_block(wid, lane);
  let sa = p.M / 4u;
  let mq = min(blk.m0 / 4u + (lane & 1u), sa - 1u);
  var acc: Acc8;
  var s_lo = vec4f();
  var s_hi = vec4f();
  let k4 = p.K & ~3u;
  for (var k0 = 0u; k0 < k4; k0 += 4u) {
    let x = a[(k0 + (lane >> 1u)) * sa + mq];
    let l0 = subgroupBroadcast(x, 0u); let h0 = subgroupBroadcast(x, 1u);
    let l1 = subgroupBroadcast(x, 2u); let h1 = subgroupBroadcast(x, 3u);
    let l2 = subgroupBroadcast(x, 4u); let h2 = subgroupBroadcast(x, 5u);
    let l3 = subgroupBroadcast(x, 6u); let h3 = subgroupBroadcast(x, 7u);
    rows8_step(&acc, l0, h0, b[k0 * blk.sb + blk.nq]);
    rows8_step(&acc, l1, h1, b[(k0 + 1u) * blk.sb + blk.nq]);
    rows8_step(&acc, l2, h2, b[(k0 + 2u) * blk.sb + blk.nq]);
    rows8_step(&acc, l3, h3, b[(k0 + 3u) * blk.sb + blk.nq]);
    if (SUM_A) { s_lo += l0; s_hi += h0; s_lo += l1; s_hi += h1; s_lo += l2; s_hi += h2; s_lo += l3; s_hi += h3; }
  }
  // The last K % 4 k: lanes 0 and 1 load the rows' two quads.
  for (var k = k4; k < p.K; k++) {
    let x = a[k * sa + mq];
    let lo = subgroupBroadcast(x, 0u);
    let hi = subgroupBroadcast(x, 1u);
    rows8_step(&acc, lo, hi, b[k * blk.sb + blk.nq]);
    if (SUM_A) { s_lo += lo; s_hi += hi; }
  }
  store_rows8(blk, lane, acc);
  if (SUM_A && wid.x == 0u && lane == 0u) { store_sum_a(blk.m0, s_lo); store_sum_a(blk.m0 + 4u, s_hi); }
}
