// dW = dYᵀ·X for at most 4 columns (TRANS_A, not TRANS_B; N ≤ 4, M % 4 == 0): the dW_ih of a
// recurrent layer over few input features, the LSTM adding step's [128, 2] over K = 3200 rows,
// which matmul_broadcast ran with 14 of its 16 columns idle and 16 scalar loads of A per 8 k. A
// lane owns 4 rows, m0 .. m0 + 3, and every column: per k one vec4 load of A's row k gives its
// 4 rows, and B's row k (N values, the same for every lane) comes by subgroup broadcast, lane l
// loading row k0 + l once per 8 k. Sums each output from 0 in k order with fma, and db (SUM_A)
// likewise: matmul_broadcast's bits. In a module that starts with `enable subgroups;`.
@group(0) @binding(2) var<storage, read> a: array<vec4f>;
@group(0) @binding(3) var<storage, read> b: array<f32>;

// B[k, 0 .. N), 0 past N (k clamped to K: the rows past K are never summed).
fn b_row(k: u32) -> vec4f {
  let kk = min(k, p.K - 1u);
  var v = vec4f();
  for (var n = 0u; n < 4u; n++) { if (n < p.N) { v[n] = b[kk * p.N + n]; } }
  return v;
}

struct Cols4 { c: array<vec4f, 4>, s: vec4f } // c[n][i] = C[m0 + i, n]; s: SUM_A's sums

fn cols4_step(acc: ptr<function, Cols4>, av: vec4f, bv: vec4f) {
  for (var n = 0u; n < 4u; n++) { (*acc).c[n] = fma(av, vec4f(bv[n]), (*acc).c[n]); }
  if (SUM_A) { (*acc).s += av; }
}

// out[m, n] = act(Σ_k A[k, m]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_tn_cols4(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let quads = p.M / 4u;
  let m0 = (wid.y * 8u + lane) * 4u;
  let q = min(m0 / 4u, quads - 1u); // lanes past M read the last rows (not stored)
  var acc: Cols4;
  // Whole blocks of 8 k with no branch inside (as matmul_broadcast), then the last K % 8.
  let whole = p.K & ~7u;
  var k0 = 0u;
  for (; k0 < whole; k0 += 8u) {
    let bl = b_row(k0 + lane);
    cols4_step(&acc, a[k0 * quads + q], subgroupBroadcast(bl, 0u));
    cols4_step(&acc, a[(k0 + 1u) * quads + q], subgroupBroadcast(bl, 1u));
    cols4_step(&acc, a[(k0 + 2u) * quads + q], subgroupBroadcast(bl, 2u));
    cols4_step(&acc, a[(k0 + 3u) * quads + q], subgroupBroadcast(bl, 3u));
    cols4_step(&acc, a[(k0 + 4u) * quads + q], subgroupBroadcast(bl, 4u));
    cols4_step(&acc, a[(k0 + 5u) * quads + q], subgroupBroadcast(bl, 5u));
    cols4_step(&acc, a[(k0 + 6u) * quads + q], subgroupBroadcast(bl, 6u));
    cols4_step(&acc, a[(k0 + 7u) * quads + q], subgroupBroadcast(bl, 7u));
  }
  for (var k = k0; k < p.K; k++) { cols4_step(&acc, a[k * quads + q], b_row(k)); }
  if (m0 >= p.M) { return; }
  for (var n = 0u; n < p.N; n++) {
    for (var i = 0u; i < 4u; i++) { store(m0 + i, n, acc.c[n][i]); }
  }
  if (SUM_A) { store_sum_a(m0, acc.s); }
}
