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
