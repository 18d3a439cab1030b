// dW = dYᵀ·X with vec4 loads: the one case (TRANS_A, not TRANS_B) where both operands are
// contiguous along the output, A [K, M] along M and B [K, N] along N. The wrapper uses it only
// when M and N are multiples of 4, so every vec4 is aligned and whole.
// Epilogue and overrides: matmul_common.wgsl.
@group(0) @binding(2) var<storage, read> a: array<vec4f>;
@group(0) @binding(3) var<storage, read> b: array<vec4f>;

// out[m, n] = act(Σ_k A[k, m]·B[k, n] + bias[n])   (=)
// 8×8 outputs per invocation like matmul_direct, but per k four vec4 loads instead of 16 scalar
// ones feed the 64 FMAs (1.2-1.4x matmul_direct on lavapipe for this case).
@compute @workgroup_size(WGX, WGY)
fn matmul_tn_vec4(@builtin(global_invocation_id) gid: vec3u) {
  let m0 = gid.y * 8u;
  let n0 = gid.x * 8u;
  if (m0 >= p.M || n0 >= p.N) { return; }
  // The second 4 rows (columns) repeat the first where they would start past M (N); their sums
  // are not stored.
  let ca = min(m0 + 4u, p.M - 4u) / 4u;
  let cb = min(n0 + 4u, p.N - 4u) / 4u;
  let sa = p.M / 4u;
  let sb = p.N / 4u;
  var c: array<mat4x4f, 4>;
  var s0 = vec4f();
  var s1 = vec4f();
  for (var k = 0u; k < p.K; k++) {
    let a0 = a[k * sa + m0 / 4u];
    let a1 = a[k * sa + ca];
    let b0 = b[k * sb + n0 / 4u];
    let b1 = b[k * sb + cb];
    c[0] += outer(a0, b0);
    c[1] += outer(a0, b1);
    c[2] += outer(a1, b0);
    c[3] += outer(a1, b1);
    if (SUM_A) { s0 += a0; s1 += a1; } // a1 repeats a0 only where rows m0 + 4.. are past M
  }
  store_8x8_rows4(m0, n0, c);
  if (SUM_A && n0 == 0u) { store_sum_a(m0, s0); store_sum_a(m0 + 4u, s1); }
}

// store_8x8 a row's 4 adjacent outputs at a time (store4: N is a multiple of 4 here).
fn store_8x8_rows4(m0: u32, n0: u32, c: array<mat4x4f, 4>) {
  for (var i = 0u; i < 4u; i++) {
    for (var r = 0u; r < 2u; r++) {
      let m = m0 + 4u * r + i;
      if (m >= p.M) { continue; }
      let lo = c[2u * r];
      let hi = c[2u * r + 1u];
      store4(m, n0, vec4f(lo[0][i], lo[1][i], lo[2][i], lo[3][i]));
      if (n0 + 4u < p.N) { store4(m, n0 + 4u, vec4f(hi[0][i], hi[1][i], hi[2][i], hi[3][i])); }
    }
  }
}
