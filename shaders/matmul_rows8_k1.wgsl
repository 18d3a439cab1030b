// C = A·B (dX = dY·W) for any K, N % 4 == 0 (the last layer's dX, K = its 10 classes): A read as
// scalars, one row per lane and k, B as vec4s (matmul_rows8.wgsl). Per k a lane's scalar and
// vec4 load feed 32 FMAs (matmul_broadcast: four scalar loads). In a module that starts with
// `enable subgroups;`; sums over k in order with fma from 0: matmul_broadcast's bits.
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<vec4f>;

// TALL: 16 rows a workgroup (rows m0 + 8 + l too, in a second Acc8): per k three loads feed
// 64 FMAs instead of two 32.
override TALL: bool = false;

// out[m, n] = act(Σ_k A[m, k]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_broadcast_rows8_k1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let rows = select(8u, 16u, TALL);
  let blk = rows8_block(vec3u(wid.x, 0u, 0u), lane);
  let m0 = wid.y * rows;
  let ra = min(m0 + lane, p.M - 1u) * p.K;
  let rb = min(m0 + 8u + lane, p.M - 1u) * p.K; // TALL
  var acc: Acc8;
  var acc2: Acc8; // TALL: rows m0 + 8 ..
  for (var k = 0u; k < p.K; k++) {
    let bv = b[k * blk.sb + blk.nq];
    let x = a[ra + k];
    rows8_step(&acc, vec4f(subgroupBroadcast(x, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(x, 2u), subgroupBroadcast(x, 3u)), vec4f(subgroupBroadcast(x, 4u), subgroupBroadcast(x, 5u), subgroupBroadcast(x, 6u), subgroupBroadcast(x, 7u)), bv);
    if (TALL) {
      let y = a[rb + k];
      rows8_step(&acc2, vec4f(subgroupBroadcast(y, 0u), subgroupBroadcast(y, 1u), subgroupBroadcast(y, 2u), subgroupBroadcast(y, 3u)), vec4f(subgroupBroadcast(y, 4u), subgroupBroadcast(y, 5u), subgroupBroadcast(y, 6u), subgroupBroadcast(y, 7u)), bv);
    }
  }
  store_rows8(Rows8Block(m0, blk.n0, blk.sb, blk.nq, 0u), lane, acc);
  if (TALL) { store_rows8(Rows8Block(m0 + 8u, blk.n0, blk.sb, blk.nq, 0u), lane, acc2); }
}
