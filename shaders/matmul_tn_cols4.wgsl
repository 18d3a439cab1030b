// dW = dYᵀ·X for at most 4 columns (TRANS_A, not TRANS_B; N ≤ 4, M % 4 == 0): the dW_ih of a
// recurrent layer over few input features, the LSTM adding step's [128, 2] over K = 3200 rows,
// which matmul_broadcast ran with 14 of its 16 columns idle and 16 scalar loads of A per 8 k. A
// lane owns 4 rows, m0 .. m0 + 3, and every column: per k one vec4 load of A's row k gives its
// 4 rows, and B's row k (N values, the same for every lane) comes by subgroup broadcast, lane l
// loading row k0 + l once per LANES k (8, or 4 where subgroups are 4 wide: SwiftShader, whose
// scalar loads ran this product in 13 ms with direct_narrow). Sums each output from 0 in k order
// with fma, and db (SUM_A) likewise: matmul_broadcast's bits. In a module that starts with
// `enable subgroups;`.
override LANES: u32 = 8; // the workgroup, one subgroup: 8 or 4
@group(0) @binding(2) var<storage, read> a: array<vec4f>;
@group(0) @binding(3) var<storage, read> b: array<f32>;

// Private values are indexed by constants only: SwiftShader runs a variable index into one as a
// memory access per lane (lavapipe unrolls such loops either way).
// B[k, 0 .. N), 0 past N (k clamped to K: the rows past K are never summed).
fn b_row(k: u32) -> vec4f {
  let r = min(k, p.K - 1u) * p.N;
  var v = vec4f();
  v.x = b[r];
  if (p.N > 1u) { v.y = b[r + 1u]; }
  if (p.N > 2u) { v.z = b[r + 2u]; }
  if (p.N > 3u) { v.w = b[r + 3u]; }
  return v;
}

struct Cols4 { c0: vec4f, c1: vec4f, c2: vec4f, c3: vec4f, s: vec4f } // c_n[i] = C[m0 + i, n]; s: SUM_A's sums

fn cols4_step(acc: ptr<function, Cols4>, av: vec4f, bv: vec4f) {
  (*acc).c0 = fma(av, vec4f(bv.x), (*acc).c0);
  (*acc).c1 = fma(av, vec4f(bv.y), (*acc).c1);
  (*acc).c2 = fma(av, vec4f(bv.z), (*acc).c2);
  (*acc).c3 = fma(av, vec4f(bv.w), (*acc).c3);
  if (SUM_A) { (*acc).s += av; }
}

// Column n's 4 rows m0 .. m0 + 3, if n is inside the output.
fn store_cols4(m0: u32, n: u32, c: vec4f) {
  if (n < p.N) { store(m0, n, c.x); store(m0 + 1u, n, c.y); store(m0 + 2u, n, c.z); store(m0 + 3u, n, c.w); }
}

// out[m, n] = act(Σ_k A[k, m]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(LANES)
fn matmul_tn_cols4(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let quads = p.M / 4u;
  let m0 = (wid.y * LANES + lane) * 4u;
  let q = min(m0 / 4u, quads - 1u); // lanes past M read the last rows (not stored)
  var acc: Cols4;
  // Whole blocks of LANES k with no branch inside (as matmul_broadcast), then the last K % LANES.
  let whole = p.K & ~(LANES - 1u);
  var k0 = 0u;
  for (; k0 < whole; k0 += LANES) {
    let bl = b_row(k0 + lane);
    cols4_step(&acc, a[k0 * quads + q], subgroupBroadcast(bl, 0u));
    cols4_step(&acc, a[(k0 + 1u) * quads + q], subgroupBroadcast(bl, 1u));
    cols4_step(&acc, a[(k0 + 2u) * quads + q], subgroupBroadcast(bl, 2u));
    cols4_step(&acc, a[(k0 + 3u) * quads + q], subgroupBroadcast(bl, 3u));
    if (LANES == 8u) {
      cols4_step(&acc, a[(k0 + 4u) * quads + q], subgroupBroadcast(bl, 4u));
      cols4_step(&acc, a[(k0 + 5u) * quads + q], subgroupBroadcast(bl, 5u));
      cols4_step(&acc, a[(k0 + 6u) * quads + q], subgroupBroadcast(bl, 6u));
      cols4_step(&acc, a[(k0 + 7u) * quads + q], subgroupBroadcast(bl, 7u));
    }
  }
  for (var k = k0; k < p.K; k++) { cols4_step(&acc, a[k * quads + q], b_row(k)); }
  if (m0 >= p.M) { return; }
  store_cols4(m0, 0u, acc.c0);
  store_cols4(m0, 1u, acc.c1);
  store_cols4(m0, 2u, acc.c2);
  store_cols4(m0, 3u, acc.c3);
  if (SUM_A) { store_sum_a(m0, acc.s); }
}
