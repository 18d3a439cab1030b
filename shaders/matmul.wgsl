// Scalar-load matmul kernels: any M, N, K >= 1 (bounds checked or clamped on load and store).
// Overrides, params, outputs and the fused epilogue come from matmul_common.wgsl.
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;

fn load_a(m: u32, k: u32) -> f32 {
  let mm = select(m, min(m, p.M - 1u), CLAMP);
  if (TRANS_A) { return a[k * p.M + mm]; }
  return a[mm * p.K + k];
}

fn load_b(k: u32, n: u32) -> f32 {
  let nn = select(n, min(n, p.N - 1u), CLAMP);
  if (TRANS_B) { return b[nn * p.K + k]; }
  return b[k * p.N + nn];
}

// acc += op(A)[m0..m0+3, k] ⊗ op(B)[k, n0..n0+3]   (acc[j][i] = C[m0 + i, n0 + j])
fn outer_step(acc: ptr<function, mat4x4f>, m0: u32, n0: u32, k: u32) {
  let av = vec4f(load_a(m0, k), load_a(m0 + 1u, k), load_a(m0 + 2u, k), load_a(m0 + 3u, k));
  let bv = vec4f(load_b(k, n0), load_b(k, n0 + 1u), load_b(k, n0 + 2u), load_b(k, n0 + 3u));
  *acc += mat4x4f(av * bv.x, av * bv.y, av * bv.z, av * bv.w);
}

// out[m, n] = act(Σ_k op(A)[m, k]·op(B)[k, n] + bias[n])   (=)
// A 4×4 block of C per invocation, operands straight from storage (no workgroup memory: on
// CPU-backed adapters caches serve the reuse and barriers cost more than they save).
@compute @workgroup_size(WGX, WGY)
fn matmul_direct(@builtin(global_invocation_id) gid: vec3u) {
  let m0 = gid.y * 4u;
  let n0 = gid.x * 4u;
  if (m0 >= p.M || n0 >= p.N) { return; }
  var acc = mat4x4f();
  for (var k = 0u; k < p.K; k++) { outer_step(&acc, m0, n0, k); }
  store_block(m0, n0, acc);
}

// The same product through workgroup memory, for hardware GPUs (on lavapipe it runs at a third of
// matmul_direct): 64×64 outputs per workgroup, 4×4 per invocation, K in steps of 16; loads past
// K read 0.
const BM = 64u;
const BN = 64u;
const BK = 16u;
var<workgroup> As: array<f32, 1024>; // [BK][BM]
var<workgroup> Bs: array<f32, 1024>; // [BK][BN]

@compute @workgroup_size(16, 16)
fn matmul_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let m0 = wid.y * BM + lid.y * 4u;
  let n0 = wid.x * BN + lid.x * 4u;
  var acc = mat4x4f();
  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    for (var i = 0u; i < 4u; i++) { // 256 invocations load 1024 elements of each tile
      let e = li + i * 256u;
      let k = k0 + e / BM;
      let inside = !CLAMP || k < p.K;
      let kk = select(k, min(k, p.K - 1u), CLAMP);
      As[e] = select(0.0, load_a(wid.y * BM + e % BM, kk), inside);
      Bs[e] = select(0.0, load_b(kk, wid.x * BN + e % BN), inside);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let av = vec4f(As[kk * BM + lid.y * 4u], As[kk * BM + lid.y * 4u + 1u], As[kk * BM + lid.y * 4u + 2u], As[kk * BM + lid.y * 4u + 3u]);
      let bv = vec4f(Bs[kk * BN + lid.x * 4u], Bs[kk * BN + lid.x * 4u + 1u], Bs[kk * BN + lid.x * 4u + 2u], Bs[kk * BN + lid.x * 4u + 3u]);
      acc += mat4x4f(av * bv.x, av * bv.y, av * bv.z, av * bv.w);
    }
    workgroupBarrier();
  }
  store_block(m0, n0, acc);
}

// db[n] = Σ_m dC[m, n]   (=; one invocation per column, rows in order: deterministic)
@group(0) @binding(6) var<storage, read_write> db: array<f32>;
@group(0) @binding(7) var<storage, read> dc: array<f32>;
@group(0) @binding(8) var<uniform> bp: Params;

@compute @workgroup_size(WG)
fn bias_grad(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  if (n >= bp.N) { return; }
  var s = 0.0;
  for (var m = 0u; m < bp.M; m++) { s += dc[m * bp.N + n]; }
  db[n] = s;
}
