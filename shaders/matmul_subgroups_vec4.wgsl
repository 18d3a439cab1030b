// matmul_broadcast (matmul_subgroups.wgsl) with vec4 loads. First for C = A·Bᵀ (a dense layer's
// forward X·Wᵀ, TRANS_B), where both operands are contiguous along K; K % 4 == 0. Appended to
// matmul_vec4.wgsl (a, b as vec4) in a module that starts with `enable
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

// WIDE: lane j also owns columns n + 16 and n + 24 (32 columns a workgroup): per 4 k its two
// loads of A feed 256 FMAs instead of 128 (lavapipe, 128×256×784: 9.3-9.9 vs 7.4-8.3 GFLOP/s;
// it lost 128×10×256, 2.2 vs 4.4, where most lanes' columns are past N).
override WIDE: bool = false;

// out[m, n] = act(Σ_k A[m, k]·B[n, k] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_broadcast_vec4(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wid.y * 16u;
  let n = wid.x * select(16u, 32u, WIDE) + lane;
  let kq = p.K / 4u;
  // Rows past M and columns past N read the last one (their sums are not stored).
  let ax = min(m0 + 2u * lane, p.M - 1u) * kq;
  let ay = min(m0 + 2u * lane + 1u, p.M - 1u) * kq;
  let bn = min(n, p.N - 1u) * kq;
  let bn8 = min(n + 8u, p.N - 1u) * kq;
  let bn16 = min(n + 16u, p.N - 1u) * kq;
  let bn24 = min(n + 24u, p.N - 1u) * kq;
  var s: Acc4;
  var e: Acc4; // WIDE: columns n + 16, n + 24
  for (var k = 0u; k < kq; k++) {
    let x = a[ax + k];
    let y = a[ay + k];
    quad(&s, x, y, b[bn + k], b[bn8 + k]);
    if (WIDE) { quad(&e, x, y, b[bn16 + k], b[bn24 + k]); }
  }
  store_rows16(m0, n, s.c, s.d);
  if (WIDE) { store_rows16(m0, n + 16u, e.c, e.d); }
}
