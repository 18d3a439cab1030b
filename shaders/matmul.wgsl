// Scalar-load matmul kernels: any M, N, K >= 1 (loads clamped, stores checked: see CLAMP).
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

// op(A)[m0..m0+3, k] and op(B)[k, n0..n0+3]
fn col_a(m0: u32, k: u32) -> vec4f { return vec4f(load_a(m0, k), load_a(m0 + 1u, k), load_a(m0 + 2u, k), load_a(m0 + 3u, k)); }
fn row_b(k: u32, n0: u32) -> vec4f { return vec4f(load_b(k, n0), load_b(k, n0 + 1u), load_b(k, n0 + 2u), load_b(k, n0 + 3u)); }

// out[m, n] = act(Σ_k op(A)[m, k]·op(B)[k, n] + bias[n])   (=)
// 8×8 outputs per invocation, operands straight from storage: per k, 16 loads feed 64 FMAs and
// 80 values stay live. On lavapipe this ran 1.3-1.7x a 4×4 block with vec4 loads (which were in
// turn 1.3x scalar 4×4), and 5x the workgroup-memory kernel below.
@compute @workgroup_size(WGX, WGY)
fn matmul_direct(@builtin(global_invocation_id) gid: vec3u) {
  let m0 = gid.y * 8u;
  let n0 = gid.x * 8u;
  if (m0 >= p.M || n0 >= p.N) { return; }
  var c: array<mat4x4f, 4>;
  var s0 = vec4f();
  var s1 = vec4f();
  for (var k = 0u; k < p.K; k++) {
    let a0 = col_a(m0, k);
    let a1 = col_a(m0 + 4u, k);
    let b0 = row_b(k, n0);
    let b1 = row_b(k, n0 + 4u);
    c[0] += outer(a0, b0);
    c[1] += outer(a0, b1);
    c[2] += outer(a1, b0);
    c[3] += outer(a1, b1);
    if (SUM_A) { s0 += a0; s1 += a1; }
  }
  store_8x8(m0, n0, c);
  if (SUM_A && n0 == 0u) { store_sum_a(m0, s0); store_sum_a(m0 + 4u, s1); }
}

// The same product through workgroup memory, for hardware GPUs (not picked on software
// adapters): 64×64 outputs per workgroup, 4×4 per invocation, K in steps of 16.
const BM = 64u;
const BN = 64u;
const BK = 16u;
var<workgroup> As: array<f32, 1024>; // [BK][BM]
var<workgroup> Bs: array<f32, 1024>; // [BK][BN]

// This invocation's 4×4 block of Σ_{k ∈ [k_begin, k_end)} op(A)[m, k]·op(B)[k, n].
fn tiled_block(wid: vec3u, lid: vec3u, li: u32, k_begin: u32, k_end: u32) -> mat4x4f {
  var acc = mat4x4f();
  for (var k0 = k_begin; k0 < k_end; k0 += BK) {
    for (var i = 0u; i < 4u; i++) { // 256 invocations load 1024 elements of each tile
      let e = li + i * 256u;
      let k = k0 + e / BM;
      let inside = !CLAMP || k < k_end; // loads past the range read 0
      let kk = select(k, min(k, p.K - 1u), CLAMP);
      As[e] = select(0.0, load_a(wid.y * BM + e % BM, kk), inside);
      Bs[e] = select(0.0, load_b(kk, wid.x * BN + e % BN), inside);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      let i = kk * BM + lid.y * 4u;
      let j = kk * BN + lid.x * 4u;
      acc += outer(vec4f(As[i], As[i + 1u], As[i + 2u], As[i + 3u]), vec4f(Bs[j], Bs[j + 1u], Bs[j + 2u], Bs[j + 3u]));
    }
    workgroupBarrier();
  }
  return acc;
}

@compute @workgroup_size(16, 16)
fn matmul_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  store_block(wid.y * BM + lid.y * 4u, wid.x * BN + lid.x * 4u, tiled_block(wid, lid, li, 0u, p.K));
}

// Split-K, for outputs too small to fill a GPU (a 32×256 output is 4 workgroups; split 8 ways, 32):
// workgroup z sums K range [z·KS, (z+1)·KS) into partial[z]; matmul_split_sum then adds the
// splits in order and applies the epilogue.
@group(0) @binding(9) var<storage, read_write> partial: array<f32>; // [splits, M, N]
@group(0) @binding(10) var<storage, read> partial_in: array<f32>;  // the same, read by the sum

@compute @workgroup_size(16, 16)
fn matmul_tiled_split(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let k_begin = wid.z * p.KS;
  let acc = tiled_block(wid, lid, li, k_begin, min(p.K, k_begin + p.KS));
  let m0 = wid.y * BM + lid.y * 4u;
  let n0 = wid.x * BN + lid.x * 4u;
  for (var i = 0u; i < 4u; i++) {
    for (var j = 0u; j < 4u; j++) {
      if (m0 + i < p.M && n0 + j < p.N) { partial[(wid.z * p.M + m0 + i) * p.N + n0 + j] = acc[j][i]; }
    }
  }
}

// out[m, n] = act(Σ_z partial[z, m, n] + bias[n]), splits added in order (deterministic).
@compute @workgroup_size(WG)
fn matmul_split_sum(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  let mn = p.M * p.N;
  if (i >= mn) { return; }
  var c = 0.0;
  for (var k0 = 0u; k0 < p.K; k0 += p.KS) { c += partial_in[(k0 / p.KS) * mn + i]; }
  store(i / p.N, i % p.N, c);
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
