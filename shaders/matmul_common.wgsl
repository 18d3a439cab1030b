// Shared by the matmul families (matmul.wgsl: scalar loads, any shape; matmul_vec4.wgsl: vec4
// loads). C[M,N] = op(A)·op(B), op = identity or transpose: TRANS_A reads A stored [K,M], TRANS_B
// reads B stored [N,K], so a dense layer's forward X·Wᵀ, dX = dY·W and dW = dYᵀ·X need no
// materialised transpose. Each family declares its own a (binding 2) and b (binding 3), and takes
// the output (binding 0) from matmul_out.wgsl or matmul_out_vec4.wgsl.
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override HAS_PRE: bool = false;
// ACT_GRAD: out = C ⊙ act'(z) with z read from `pre`, the backward of an activation fused into the
// dX = dY·W that feeds it (one pass over dX fewer); HAS_BIAS and HAS_PRE are then off.
override ACT_GRAD: bool = false;
override WG: u32 = 64; // bias_grad's workgroup size
// SUM_A (with TRANS_A: dW = dYᵀ·X): also sum_a[m] = Σ_k op(A)[m, k], the bias gradient Σ_rows dY,
// from the op(A) values the product loads anyway (the register-blocked kernels). Summed from 0 in
// order of k, as bias_grad does: the same bits, without bias_grad's second pass over dY.
override SUM_A: bool = false;
// Invocations per workgroup of the register-blocked kernels, 8×8 outputs each: 4×4 (a 32×32
// block of C) ran as fast as 8×8 or faster on lavapipe at every shape tried, and gives small
// outputs more workgroups to spread over the cores; outputs at most 16 wide use 2×8.
override WGX: u32 = 4;
override WGY: u32 = 4;

// CLAMP: rows of op(A) past M and columns of op(B) past N read the last one (their sums are never
// stored), loads past K read 0 and stores past M, N are skipped; false (no bounds checks) where
// the wrapper knows the blocks divide M, N and K.
override CLAMP: bool = true;

// KS: the K range of one split of a split-K product (a multiple of the tiled kernel's 16; K when
// unsplit).
struct Params { M: u32, N: u32, K: u32, KS: u32 }

@group(0) @binding(1) var<storage, read_write> pre: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;
@group(0) @binding(11) var<storage, read_write> sum_a: array<f32>;

// The outer product a ⊗ b as a mat4x4 (column j is a·b[j]), the 16 FMAs of one k.
fn outer(a: vec4f, b: vec4f) -> mat4x4f {
  return mat4x4f(a * b.x, a * b.y, a * b.z, a * b.w);
}

// Fused epilogue (=) of output i (column n): z = C + bias[n], stored as the preactivation when
// asked, out = act(z); with ACT_GRAD, out = C·act'(pre) (the bits of activations.wgsl's
// dy·act'(x) with dy = C). Returns the value to store in out.
fn epilogue(i: u32, n: u32, c: f32) -> f32 {
  if (ACT_GRAD) { return c * activate_grad(pre[i], 0.0); }
  var z = c;
  if (HAS_BIAS) { z += bias[n]; }
  if (HAS_PRE) { pre[i] = z; }
  return activate(z);
}

fn store(m: u32, n: u32, c: f32) {
  let i = m * p.N + n;
  store_out(i, epilogue(i, n, c));
}

// store() of 4 adjacent outputs, columns n .. n + 3 of row m, in one store_out4: for kernels
// that run only where N is a multiple of 4 and store 4-aligned columns (all inside N).
fn store4(m: u32, n: u32, c: vec4f) {
  let i = m * p.N + n;
  store_out4(i / 4u, vec4f(epilogue(i, n, c.x), epilogue(i + 1u, n + 1u, c.y), epilogue(i + 2u, n + 2u, c.z), epilogue(i + 3u, n + 3u, c.w)));
}

// Stores a 4×4 block, acc[j][i] = C[m0 + i, n0 + j] (column j of the mat4x4 is output column
// n0 + j), skipping rows and columns past the output. Indexed by constants: SwiftShader runs a
// variable index into a private value as a memory access per lane.
fn store_block(m0: u32, n0: u32, acc: mat4x4f) {
  let rows = transpose(acc);
  store_block_row(m0, n0, rows[0]);
  store_block_row(m0 + 1u, n0, rows[1]);
  store_block_row(m0 + 2u, n0, rows[2]);
  store_block_row(m0 + 3u, n0, rows[3]);
}

// Row m of a block: columns n0 .. n0 + 3, those inside the output.
fn store_block_row(m: u32, n0: u32, v: vec4f) {
  if (CLAMP && m >= p.M) { return; }
  if (!CLAMP || n0 < p.N) { store(m, n0, v.x); }
  if (!CLAMP || n0 + 1u < p.N) { store(m, n0 + 1u, v.y); }
  if (!CLAMP || n0 + 2u < p.N) { store(m, n0 + 2u, v.z); }
  if (!CLAMP || n0 + 3u < p.N) { store(m, n0 + 3u, v.w); }
}

// An 8×8 block as four 4×4 ones: c[2r + s] holds rows m0 + 4r.., columns n0 + 4s...
fn store_8x8(m0: u32, n0: u32, c: array<mat4x4f, 4>) {
  store_block(m0, n0, c[0]);
  store_block(m0, n0 + 4u, c[1]);
  store_block(m0 + 4u, n0, c[2]);
  store_block(m0 + 4u, n0 + 4u, c[3]);
}

// The broadcast kernels' share of a 16-row block: c[q][i] = C[m0 + 4q + i, n], d: column n + 8,
// skipping rows and columns past the output.
fn store_rows16(m0: u32, n: u32, c: array<vec4f, 4>, d: array<vec4f, 4>) {
  for (var q = 0u; q < 4u; q++) {
    for (var i = 0u; i < 4u; i++) {
      let m = m0 + 4u * q + i;
      if (m < p.M && n < p.N) { store(m, n, c[q][i]); }
      if (m < p.M && n + 8u < p.N) { store(m, n + 8u, d[q][i]); }
    }
  }
}

// sum_a[m0..m0+3] = s, skipping rows past M; called by the invocations of the first column block.
fn store_sum_a(m0: u32, s: vec4f) {
  for (var i = 0u; i < 4u; i++) {
    if (m0 + i < p.M) { sum_a[m0 + i] = s[i]; }
  }
}
