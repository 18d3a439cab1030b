// Matmul kernels with vec4 loads along each operand's contiguous axis: A along K (M when TRANS_A),
// B along N (K when TRANS_B). The wrapper uses this family only when those axes are multiples of
// 4, so every vec4 is aligned and whole; ragged M and N are clamped on load and skipped on store.
// Blocks of C stay in registers (no workgroup memory: on CPU-backed adapters caches serve the
// reuse, and barriers cost more than they save). Epilogue and overrides: matmul_common.wgsl.
@group(0) @binding(2) var<storage, read> a: array<vec4f>;
@group(0) @binding(3) var<storage, read> b: array<vec4f>;

// op(A)[m0..m0+3, k..k+3] as a mat4x4 whose column c is op(A)[m0.., k + c].
fn a_block(m0: u32, k: u32) -> mat4x4f {
  if (TRANS_A) { // rows k.. of A [K, M], each a vec4 over m
    let s = p.M / 4u;
    let c = m0 / 4u;
    return mat4x4f(a[k * s + c], a[(k + 1u) * s + c], a[(k + 2u) * s + c], a[(k + 3u) * s + c]);
  }
  let s = p.K / 4u; // rows m0.. of A [M, K], each a vec4 over k; rows past M repeat the last
  let c = k / 4u;
  let r = min(vec4u(m0) + vec4u(0u, 1u, 2u, 3u), vec4u(p.M - 1u));
  return transpose(mat4x4f(a[r.x * s + c], a[r.y * s + c], a[r.z * s + c], a[r.w * s + c]));
}

// op(B)[k..k+3, n0..n0+3] as a mat4x4 whose column j is op(B)[k.., n0 + j].
fn b_block(k: u32, n0: u32) -> mat4x4f {
  if (TRANS_B) { // rows n0.. of B [N, K], each a vec4 over k; rows past N repeat the last
    let s = p.K / 4u;
    let c = k / 4u;
    let r = min(vec4u(n0) + vec4u(0u, 1u, 2u, 3u), vec4u(p.N - 1u));
    return mat4x4f(b[r.x * s + c], b[r.y * s + c], b[r.z * s + c], b[r.w * s + c]);
  }
  let s = p.N / 4u; // rows k.. of B [K, N], each a vec4 over n
  let c = n0 / 4u;
  return transpose(mat4x4f(b[k * s + c], b[(k + 1u) * s + c], b[(k + 2u) * s + c], b[(k + 3u) * s + c]));
}

// out[m, n] = act(Σ_k op(A)[m, k]·op(B)[k, n] + bias[n])   (=)
@compute @workgroup_size(WGX, WGY)
fn matmul_vec4(@builtin(global_invocation_id) gid: vec3u) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= p.M || n0 >= p.N) { return; }
  var acc = mat4x4f();
  if (TRANS_A && !TRANS_B) {
    // dW = dYᵀ·X: both operands run along the output (M and N), so K needs no multiple of 4.
    let sa = p.M / 4u;
    let sb = p.N / 4u;
    for (var k = 0u; k < p.K; k++) {
      let av = a[k * sa + m0 / 4u];
      let bv = b[k * sb + n0 / 4u];
      acc += mat4x4f(av * bv.x, av * bv.y, av * bv.z, av * bv.w);
    }
  } else {
    for (var k = 0u; k < p.K; k += 4u) { acc += a_block(m0, k) * b_block(k, n0); }
  }
  store_block(m0, n0, acc);
}

// The same product for TRANS_A && !TRANS_B only (dW = dYᵀ·X), 8×8 outputs per invocation as four
// 4×4 blocks: per k, four vec4 loads feed 64 FMAs (2x the 4×4 kernel's rate on lavapipe). The
// K-step-4 layouts above ran 20-40% slower at 8×8 (128 live values: register spills, likely).
@compute @workgroup_size(WGX, WGY)
fn matmul_vec4_tn8(@builtin(global_invocation_id) gid: vec3u) {
  let m0 = gid.y * 8u;
  let n0 = gid.x * 8u;
  if (m0 >= p.M || n0 >= p.N) { return; }
  // The second 4-block of rows (columns) repeats the first where it would start past M (N).
  let ca = min(m0 + 4u, p.M - 4u) / 4u;
  let cb = min(n0 + 4u, p.N - 4u) / 4u;
  let sa = p.M / 4u;
  let sb = p.N / 4u;
  var c00 = mat4x4f();
  var c01 = mat4x4f();
  var c10 = mat4x4f();
  var c11 = mat4x4f();
  for (var k = 0u; k < p.K; k++) {
    let a0 = a[k * sa + m0 / 4u];
    let a1 = a[k * sa + ca];
    let b0 = b[k * sb + n0 / 4u];
    let b1 = b[k * sb + cb];
    c00 += mat4x4f(a0 * b0.x, a0 * b0.y, a0 * b0.z, a0 * b0.w);
    c01 += mat4x4f(a0 * b1.x, a0 * b1.y, a0 * b1.z, a0 * b1.w);
    c10 += mat4x4f(a1 * b0.x, a1 * b0.y, a1 * b0.z, a1 * b0.w);
    c11 += mat4x4f(a1 * b1.x, a1 * b1.y, a1 * b1.z, a1 * b1.w);
  }
  store_block(m0, n0, c00);
  store_block(m0, n0 + 4u, c01); // store_block skips what lies past M and N
  store_block(m0 + 4u, n0, c10);
  store_block(m0 + 4u, n0 + 4u, c11);
}
