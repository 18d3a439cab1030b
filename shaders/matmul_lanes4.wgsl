// The products for adapters whose subgroups are 4 lanes wide: SwiftShader, where Chromium without
// a GPU runs. There every load from a computed address is a gather, lane by lane, whatever the
// memory; a private value indexed by a variable is a memory access too; and a broadcast from a
// constant lane is a shuffle in registers. So a workgroup is one subgroup of 4 lanes holding 16
// rows × 32 columns of C: lane l owns columns n0 + 4l .. n0 + 4l + 3 and n0 + 16 + 4l .. (two
// vec4s of B per k), and per 4 k the lanes load the 16 rows' 4 k once between them (4 vec4s each)
// for broadcasts to share out: 12 vec4 loads feed 512 FMAs per lane (tn_vec4: 32). Every index
// into a private value is a constant, and each sum takes 4 k in one expression, so an accumulator
// (a variable: SwiftShader keeps it in memory and stores it under the lanes' mask) is written
// once per 4 k. Sums over k in order with fma from 0 (matmul_broadcast's bits), tn's SUM_A sums
// in order from 0 (bias_grad's). Needs N and K in multiples of 4 (M too for tn). Appended to
// matmul_vec4.wgsl (a, b as vec4s) in a module that starts with `enable subgroups;`, with the
// output as vec4s (matmul_out_vec4.wgsl).

// c_q[i] = C[m0 + 4q + i, this lane's columns n ..], d_q: columns n + 16 ..; s_q: tn's SUM_A sums.
struct Lanes4Acc {
  c0: array<vec4f, 4>, c1: array<vec4f, 4>, c2: array<vec4f, 4>, c3: array<vec4f, 4>,
  d0: array<vec4f, 4>, d1: array<vec4f, 4>, d2: array<vec4f, 4>, d3: array<vec4f, 4>,
  s0: vec4f, s1: vec4f, s2: vec4f, s3: vec4f,
}

// Four k for one quad of rows: w[i] = the quad's 4 rows at k0 + i, b[i] = the columns at k0 + i.
fn lanes4_quad(c: ptr<function, array<vec4f, 4>>, w: mat4x4f, b: mat4x4f) {
  (*c)[0] = fma(vec4f(w[3].x), b[3], fma(vec4f(w[2].x), b[2], fma(vec4f(w[1].x), b[1], fma(vec4f(w[0].x), b[0], (*c)[0]))));
  (*c)[1] = fma(vec4f(w[3].y), b[3], fma(vec4f(w[2].y), b[2], fma(vec4f(w[1].y), b[1], fma(vec4f(w[0].y), b[0], (*c)[1]))));
  (*c)[2] = fma(vec4f(w[3].z), b[3], fma(vec4f(w[2].z), b[2], fma(vec4f(w[1].z), b[1], fma(vec4f(w[0].z), b[0], (*c)[2]))));
  (*c)[3] = fma(vec4f(w[3].w), b[3], fma(vec4f(w[2].w), b[2], fma(vec4f(w[1].w), b[1], fma(vec4f(w[0].w), b[0], (*c)[3]))));
}

// One k for one quad of rows (tn's last K % 4 k): w = the quad's 4 rows, bv = the columns.
fn lanes4_quad1(c: ptr<function, array<vec4f, 4>>, w: vec4f, bv: vec4f) {
  (*c)[0] = fma(vec4f(w.x), bv, (*c)[0]);
  (*c)[1] = fma(vec4f(w.y), bv, (*c)[1]);
  (*c)[2] = fma(vec4f(w.z), bv, (*c)[2]);
  (*c)[3] = fma(vec4f(w.w), bv, (*c)[3]);
}

// Four k for the block: w_q as above for quads q = 0..3, b and e this lane's two column vec4s.
fn lanes4_k4(acc: ptr<function, Lanes4Acc>, w0: mat4x4f, w1: mat4x4f, w2: mat4x4f, w3: mat4x4f, b: mat4x4f, e: mat4x4f) {
  lanes4_quad(&(*acc).c0, w0, b);
  lanes4_quad(&(*acc).c1, w1, b);
  lanes4_quad(&(*acc).c2, w2, b);
  lanes4_quad(&(*acc).c3, w3, b);
  lanes4_quad(&(*acc).d0, w0, e);
  lanes4_quad(&(*acc).d1, w1, e);
  lanes4_quad(&(*acc).d2, w2, e);
  lanes4_quad(&(*acc).d3, w3, e);
}

// Every lane's x, lane by lane: the 4 vec4s lanes 0..3 hold, as a matrix's columns.
fn lanes4_gather(x: vec4f) -> mat4x4f {
  return mat4x4f(subgroupBroadcast(x, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(x, 2u), subgroupBroadcast(x, 3u));
}

// Rows m0 .. m0 + 3 of columns n .. n + 3, those inside the output.
fn store_lanes4_quad(m0: u32, n: u32, c: array<vec4f, 4>) {
  if (n >= p.N) { return; }
  if (m0 < p.M) { store4(m0, n, c[0]); }
  if (m0 + 1u < p.M) { store4(m0 + 1u, n, c[1]); }
  if (m0 + 2u < p.M) { store4(m0 + 2u, n, c[2]); }
  if (m0 + 3u < p.M) { store4(m0 + 3u, n, c[3]); }
}

fn store_lanes4(m0: u32, n: u32, acc: Lanes4Acc) {
  store_lanes4_quad(m0, n, acc.c0);
  store_lanes4_quad(m0 + 4u, n, acc.c1);
  store_lanes4_quad(m0 + 8u, n, acc.c2);
  store_lanes4_quad(m0 + 12u, n, acc.c3);
  store_lanes4_quad(m0, n + 16u, acc.d0);
  store_lanes4_quad(m0 + 4u, n + 16u, acc.d1);
  store_lanes4_quad(m0 + 8u, n + 16u, acc.d2);
  store_lanes4_quad(m0 + 12u, n + 16u, acc.d3);
}

// The two vec4s of B's columns this lane owns, at k .. k + 3 (rows of B [K, N], sb vec4s a row).
fn lanes4_b_rows(k: u32, sb: u32, nq: u32) -> mat4x4f {
  return mat4x4f(b[k * sb + nq], b[(k + 1u) * sb + nq], b[(k + 2u) * sb + nq], b[(k + 3u) * sb + nq]);
}

// dW = Aᵀ·B (TRANS_A: A [K, M]): per 4 k lane l loads row k0 + l of A's 16 columns of the block.
// out[m, n] = act(Σ_k A[k, m]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(4)
fn matmul_tn_lanes4(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wid.y * 16u;
  let n = wid.x * 32u + 4u * lane;
  let sa = p.M / 4u;
  let sb = p.N / 4u;
  // Quads past M and columns past N read the last one (their sums are not stored).
  let q0 = min(m0 / 4u, sa - 1u);
  let q1 = min(m0 / 4u + 1u, sa - 1u);
  let q2 = min(m0 / 4u + 2u, sa - 1u);
  let q3 = min(m0 / 4u + 3u, sa - 1u);
  let nq = min(n / 4u, sb - 1u);
  let nr = min(n / 4u + 4u, sb - 1u);
  var acc: Lanes4Acc;
  let k4 = p.K & ~3u;
  for (var k0 = 0u; k0 < k4; k0 += 4u) {
    let r = (k0 + lane) * sa;
    let w0 = lanes4_gather(a[r + q0]);
    let w1 = lanes4_gather(a[r + q1]);
    let w2 = lanes4_gather(a[r + q2]);
    let w3 = lanes4_gather(a[r + q3]);
    lanes4_k4(&acc, w0, w1, w2, w3, lanes4_b_rows(k0, sb, nq), lanes4_b_rows(k0, sb, nr));
    if (SUM_A) {
      acc.s0 = (((acc.s0 + w0[0]) + w0[1]) + w0[2]) + w0[3];
      acc.s1 = (((acc.s1 + w1[0]) + w1[1]) + w1[2]) + w1[3];
      acc.s2 = (((acc.s2 + w2[0]) + w2[1]) + w2[2]) + w2[3];
      acc.s3 = (((acc.s3 + w3[0]) + w3[1]) + w3[2]) + w3[3];
    }
  }
  // The last K % 4 k, one at a time: every lane loads the rows itself.
  for (var k = k4; k < p.K; k++) {
    let r = k * sa;
    let x0 = a[r + q0];
    let x1 = a[r + q1];
    let x2 = a[r + q2];
    let x3 = a[r + q3];
    let bv = b[k * sb + nq];
    let ev = b[k * sb + nr];
    lanes4_quad1(&acc.c0, x0, bv);
    lanes4_quad1(&acc.c1, x1, bv);
    lanes4_quad1(&acc.c2, x2, bv);
    lanes4_quad1(&acc.c3, x3, bv);
    lanes4_quad1(&acc.d0, x0, ev);
    lanes4_quad1(&acc.d1, x1, ev);
    lanes4_quad1(&acc.d2, x2, ev);
    lanes4_quad1(&acc.d3, x3, ev);
    if (SUM_A) { acc.s0 += x0; acc.s1 += x1; acc.s2 += x2; acc.s3 += x3; }
  }
  store_lanes4(m0, n, acc);
  if (SUM_A && wid.x == 0u && lane == 0u) {
    store_sum_a(m0, acc.s0); store_sum_a(m0 + 4u, acc.s1); store_sum_a(m0 + 8u, acc.s2); store_sum_a(m0 + 12u, acc.s3);
  }
}

// C = A·B (dX = dY·W, B [K, N]) or, with TRANS_B, A·Bᵀ (a dense layer's forward X·Wᵀ, B [N, K]);
// A [M, K]. Per 4 k lane l loads rows m0 + l, m0 + 4 + l, m0 + 8 + l and m0 + 12 + l of A as
// vec4s along k; a quad's broadcasts, transposed, give its rows at each k. With TRANS_B lane l
// loads its 8 columns' rows of B (vec4s along k), transposed likewise.
// out[m, n] = act(Σ_k A[m, k]·op(B)[k, n] + bias[n])   (=)
@compute @workgroup_size(4)
fn matmul_lanes4(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wid.y * 16u;
  let n = wid.x * 32u + 4u * lane;
  let kq = p.K / 4u;
  // Rows past M and columns past N read the last one (their sums are not stored).
  let r0 = min(m0 + lane, p.M - 1u) * kq;
  let r1 = min(m0 + 4u + lane, p.M - 1u) * kq;
  let r2 = min(m0 + 8u + lane, p.M - 1u) * kq;
  let r3 = min(m0 + 12u + lane, p.M - 1u) * kq;
  let sb = p.N / 4u;
  let nq = min(n / 4u, sb - 1u);
  let nr = min(n / 4u + 4u, sb - 1u);
  var acc: Lanes4Acc;
  for (var k = 0u; k < kq; k++) {
    let w0 = transpose(lanes4_gather(a[r0 + k]));
    let w1 = transpose(lanes4_gather(a[r1 + k]));
    let w2 = transpose(lanes4_gather(a[r2 + k]));
    let w3 = transpose(lanes4_gather(a[r3 + k]));
    if (TRANS_B) {
      // Columns 4nq .. 4nq + 3 (and 4nr ..) of op(B) are rows of B: vec4s along k, transposed.
      let bc = mat4x4f(b[(4u * nq) * kq + k], b[(4u * nq + 1u) * kq + k], b[(4u * nq + 2u) * kq + k], b[(4u * nq + 3u) * kq + k]);
      let ec = mat4x4f(b[(4u * nr) * kq + k], b[(4u * nr + 1u) * kq + k], b[(4u * nr + 2u) * kq + k], b[(4u * nr + 3u) * kq + k]);
      lanes4_k4(&acc, w0, w1, w2, w3, transpose(bc), transpose(ec));
    } else {
      lanes4_k4(&acc, w0, w1, w2, w3, lanes4_b_rows(4u * k, sb, nq), lanes4_b_rows(4u * k, sb, nr));
    }
  }
  store_lanes4(m0, n, acc);
}
