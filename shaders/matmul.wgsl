// C[M,N] = op(A)·op(B) with op = identity or transpose (TRANS_A: A stored [K,M]; TRANS_B: B stored
// [N,K]), so dense layers' dX = dY·W and dW = dYᵀ·X need no materialised transpose. Fused epilogue:
// z = C + bias[n] (HAS_BIAS), optionally stored as the preactivation (HAS_PRE), out = act(z) (ACT).
// Tiles: 64×64 outputs per workgroup, 4×4 per invocation (register blocking), K in steps of 16
// through workgroup memory. Bounds are checked on load and store, so any M, N, K >= 1 works.
override TRANS_A: bool = false;
override TRANS_B: bool = false;
override HAS_BIAS: bool = false;
override HAS_PRE: bool = false;
override WG: u32 = 256; // unused by the tile kernel; keeps the family's overrides uniform

const BM = 64u;
const BN = 64u;
const BK = 16u;

struct Params { M: u32, N: u32, K: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> pre: array<f32>;
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<f32>;
@group(0) @binding(4) var<storage, read> bias: array<f32>;
@group(0) @binding(5) var<uniform> p: Params;

var<workgroup> As: array<f32, 1024>; // [BK][BM]
var<workgroup> Bs: array<f32, 1024>; // [BK][BN]

fn load_a(m: u32, k: u32) -> f32 {
  if (m >= p.M || k >= p.K) { return 0.0; }
  if (TRANS_A) { return a[k * p.M + m]; }
  return a[m * p.K + k];
}

fn load_b(k: u32, n: u32) -> f32 {
  if (k >= p.K || n >= p.N) { return 0.0; }
  if (TRANS_B) { return b[n * p.K + k]; }
  return b[k * p.N + n];
}

// out[m, n] = act(Σ_k op(A)[m, k]·op(B)[k, n] + bias[n])   (=)
@compute @workgroup_size(16, 16)
fn matmul_tiled(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_id) lid: vec3u, @builtin(local_invocation_index) li: u32) {
  let row0 = wid.y * BM;
  let col0 = wid.x * BN;
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < p.K; k0 += BK) {
    // 256 invocations load 1024 elements of each tile: 4 each.
    for (var i = 0u; i < 4u; i++) {
      let e = li + i * 256u;
      let kk = e / BM;
      let mm = e % BM;
      As[e] = load_a(row0 + mm, k0 + kk);
      Bs[e] = load_b(k0 + kk, col0 + mm);
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var i = 0u; i < 4u; i++) {
        av[i] = As[kk * BM + lid.y * 4u + i];
        bv[i] = Bs[kk * BN + lid.x * 4u + i];
      }
      for (var i = 0u; i < 4u; i++) {
        for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(av[i], bv[j], acc[i][j]); }
      }
    }
    workgroupBarrier();
  }
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + lid.y * 4u + i;
    if (m >= p.M) { continue; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + lid.x * 4u + j;
      if (n >= p.N) { continue; }
      var z = acc[i][j];
      if (HAS_BIAS) { z += bias[n]; }
      if (HAS_PRE) { pre[m * p.N + n] = z; }
      out[m * p.N + n] = activate(z);
    }
  }
}

// The same product without workgroup memory: each invocation reads its 4 rows of op(A) and 4
// columns of op(B) straight from storage (caches serve the reuse) and keeps 4×4 sums in registers.
// Faster than the tiled kernel on CPU-backed adapters and for small outputs (few workgroups).
@compute @workgroup_size(8, 8)
fn matmul_direct(@builtin(global_invocation_id) gid: vec3u) {
  let row0 = gid.y * 4u;
  let col0 = gid.x * 4u;
  if (row0 >= p.M || col0 >= p.N) { return; }
  var acc: array<array<f32, 4>, 4>;
  for (var k = 0u; k < p.K; k++) {
    var av: array<f32, 4>;
    var bv: array<f32, 4>;
    for (var i = 0u; i < 4u; i++) {
      av[i] = load_a(row0 + i, k);
      bv[i] = load_b(k, col0 + i);
    }
    for (var i = 0u; i < 4u; i++) {
      for (var j = 0u; j < 4u; j++) { acc[i][j] = fma(av[i], bv[j], acc[i][j]); }
    }
  }
  for (var i = 0u; i < 4u; i++) {
    let m = row0 + i;
    if (m >= p.M) { break; }
    for (var j = 0u; j < 4u; j++) {
      let n = col0 + j;
      if (n >= p.N) { break; }
      var z = acc[i][j];
      if (HAS_BIAS) { z += bias[n]; }
      if (HAS_PRE) { pre[m * p.N + n] = z; }
      out[m * p.N + n] = activate(z);
    }
  }
}

// db[n] = Σ_m dC[m, n]   (=; one invocation per column, rows in order: deterministic)
@group(0) @binding(6) var<storage, read_write> db: array<f32>;
@group(0) @binding(7) var<storage, read> dc: array<f32>;
@group(0) @binding(8) var<uniform> bp: Params;

@compute @workgroup_size(64)
fn bias_grad(@builtin(global_invocation_id) gid: vec3u) {
  let n = gid.x;
  if (n >= bp.N) { return; }
  var s = 0.0;
  for (var m = 0u; m < bp.M; m++) { s += dc[m * bp.N + n]; }
  db[n] = s;
}
