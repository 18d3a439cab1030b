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

// Two rows8 blocks, rows m0 .. m0+7 (lo) and m0+8 .. m0+15 (hi): the rows16 kernels.
struct Acc16 { lo: Acc8, hi: Acc8 }

// Stores rows m0 .. m0 + 15 of this lane's columns (blk's; its rows are not used).
fn store_rows16_block(m0: u32, blk: Rows8Block, lane: u32, acc: Acc16) {
  store_rows8(Rows8Block(m0, blk.n0, blk.sb, blk.nq, 0u), lane, acc.lo);
  store_rows8(Rows8Block(m0 + 8u, blk.n0, blk.sb, blk.nq, 0u), lane, acc.hi);
}

// One k for 16 rows, r[q] = rows m0 + 4q .. m0 + 4q + 3, times this lane's 4 columns (bv); with
// SUM_A, s[q] += r[q] (the rows' sums of op(A), for db).
fn rows16_step(acc: ptr<function, Acc16>, s: ptr<function, array<vec4f, 4>>, r0: vec4f, r1: vec4f, r2: vec4f, r3: vec4f, bv: vec4f) {
  rows8_step(&(*acc).lo, r0, r1, bv);
  rows8_step(&(*acc).hi, r2, r3, bv);
  if (SUM_A) { (*s)[0] += r0; (*s)[1] += r1; (*s)[2] += r2; (*s)[3] += r3; }
}

// dW = Aᵀ·B (TRANS_A: A [K, M], B [K, N], M and N multiples of 4) as the rows8 kernels do dX,
// with 16 rows: per 4 k lane l loads the rows' quads 2(l & 1) and 2(l & 1) + 1 at k0 + (l >> 1)
// as two vec4s, so the 8 lanes hold the 16 rows' 4 k that broadcasts share out, and its vec4 of
// B per k: 6 vec4 loads feed 256 FMAs per lane (tn_vec4: 16). Sums over k in order with fma from
// 0 (matmul_broadcast's bits), the SUM_A sums in order from 0 (bias_grad's).
// out[m, n] = act(Σ_k A[k, m]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_tn_rows16(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wid.y * 16u;
  let blk = rows8_block(vec3u(wid.x, 0u, 0u), lane); // the columns (rows: m0 below)
  let sa = p.M / 4u;
  // Quads past M read the last one (their sums are not stored).
  let q0 = min(m0 / 4u + 2u * (lane & 1u), sa - 1u);
  let q1 = min(m0 / 4u + 2u * (lane & 1u) + 1u, sa - 1u);
  var acc: Acc16;
  var s: array<vec4f, 4>;
  let k4 = p.K & ~3u;
  for (var k0 = 0u; k0 < k4; k0 += 4u) {
    let r = (k0 + (lane >> 1u)) * sa;
    let x = a[r + q0];
    let y = a[r + q1];
    let bk = k0 * blk.sb + blk.nq;
    rows16_step(&acc, &s, subgroupBroadcast(x, 0u), subgroupBroadcast(y, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(y, 1u), b[bk]);
    rows16_step(&acc, &s, subgroupBroadcast(x, 2u), subgroupBroadcast(y, 2u), subgroupBroadcast(x, 3u), subgroupBroadcast(y, 3u), b[bk + blk.sb]);
    rows16_step(&acc, &s, subgroupBroadcast(x, 4u), subgroupBroadcast(y, 4u), subgroupBroadcast(x, 5u), subgroupBroadcast(y, 5u), b[bk + 2u * blk.sb]);
    rows16_step(&acc, &s, subgroupBroadcast(x, 6u), subgroupBroadcast(y, 6u), subgroupBroadcast(x, 7u), subgroupBroadcast(y, 7u), b[bk + 3u * blk.sb]);
  }
  // The last K % 4 k: lanes 0 and 1 load the rows' four quads.
  for (var k = k4; k < p.K; k++) {
    let x = a[k * sa + q0];
    let y = a[k * sa + q1];
    rows16_step(&acc, &s, subgroupBroadcast(x, 0u), subgroupBroadcast(y, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(y, 1u), b[k * blk.sb + blk.nq]);
  }
  store_rows16_block(m0, blk, lane, acc);
  if (SUM_A && wid.x == 0u && lane == 0u) { for (var q = 0u; q < 4u; q++) { store_sum_a(m0 + 4u * q, s[q]); } }
}

// broadcast_rows8 with 16 rows: per 4 k lane l loads rows m0 + l and m0 + 8 + l of A as vec4s,
// so 6 vec4 loads feed 256 FMAs per lane. Sums run over k in order with fma from 0.
// out[m, n] = act(Σ_k A[m, k]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_broadcast_rows16(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wid.y * 16u;
  let blk = rows8_block(vec3u(wid.x, 0u, 0u), lane);
  let kq = p.K / 4u;
  let ra = min(m0 + lane, p.M - 1u) * kq;
  let rb = min(m0 + 8u + lane, p.M - 1u) * kq;
  var acc: Acc16;
  var s: array<vec4f, 4>;
  for (var k = 0u; k < kq; k++) {
    let x = a[ra + k];
    let y = a[rb + k];
    let x0 = subgroupBroadcast(x, 0u); let x1 = subgroupBroadcast(x, 1u);
    let x2 = subgroupBroadcast(x, 2u); let x3 = subgroupBroadcast(x, 3u);
    let x4 = subgroupBroadcast(x, 4u); let x5 = subgroupBroadcast(x, 5u);
    let x6 = subgroupBroadcast(x, 6u); let x7 = subgroupBroadcast(x, 7u);
    let y0 = subgroupBroadcast(y, 0u); let y1 = subgroupBroadcast(y, 1u);
    let y2 = subgroupBroadcast(y, 2u); let y3 = subgroupBroadcast(y, 3u);
    let y4 = subgroupBroadcast(y, 4u); let y5 = subgroupBroadcast(y, 5u);
    let y6 = subgroupBroadcast(y, 6u); let y7 = subgroupBroadcast(y, 7u);
    for (var i = 0u; i < 4u; i++) {
      rows16_step(&acc, &s, vec4f(x0[i], x1[i], x2[i], x3[i]), vec4f(x4[i], x5[i], x6[i], x7[i]), vec4f(y0[i], y1[i], y2[i], y3[i]), vec4f(y4[i], y5[i], y6[i], y7[i]), b[(4u * k + i) * blk.sb + blk.nq]);
    }
  }
  store_rows16_block(m0, blk, lane, acc);
}
