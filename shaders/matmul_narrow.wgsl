// dW = Aᵀ·B (TRANS_A: A [K, M] with M % 4 == 0, B [K, N]) for N ≤ 4: a recurrent layer's dW_ih
// with few input features (the adding step: 128 × 2 over K = 3200). Kernels that give each lane
// its own columns leave most of the 8 lanes idle at such N; here a workgroup (one 8-lane subgroup)
// owns 16 rows and every column, its lanes split K (lane l sums k ≡ l mod 8, in order) and
// subgroupAdd adds the lanes' sums, so its sums (and SUM_A's db) are not in k order: they agree
// with the other kernels' to f32 rounding, not to the bit. In a module that starts with
// `enable subgroups;`.
@group(0) @binding(2) var<storage, read> a: array<vec4f>;
@group(0) @binding(3) var<storage, read> b: array<f32>;

// out[m, n] = act(Σ_k A[k, m]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_tn_narrow(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wid.y * 16u;
  let sa = p.M / 4u;
  var c: array<mat4x4f, 4>; // c[i][j] = rows m0 + 4i .. m0 + 4i + 3 of column j
  var sums: array<vec4f, 4>; // SUM_A: rows m0 + 4i .. of Σ_k A[k, m]
  for (var k = lane; k < p.K; k += 8u) {
    var bk = vec4f();
    for (var j = 0u; j < 4u; j++) { if (j < p.N) { bk[j] = b[k * p.N + j]; } }
    // Quads past M read the last one (their sums are not stored).
    for (var i = 0u; i < 4u; i++) {
      let av = a[k * sa + min(m0 / 4u + i, sa - 1u)];
      c[i] += outer(av, bk);
      if (SUM_A) { sums[i] += av; }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    if (SUM_A) {
      let s = subgroupAdd(sums[i]);
      if (lane == 0u) { store_sum_a(m0 + 4u * i, s); }
    }
    for (var j = 0u; j < 4u; j++) {
      let s = subgroupAdd(c[i][j]);
      for (var r = 0u; r < 4u; r++) {
        let m = m0 + 4u * i + r;
        if (lane == 0u && m < p.M && j < p.N) { store(m, j, s[r]); }
      }
    }
  }
}
