// C = A·B (dX = dY·W) for any K, N % 4 == 0 (the last layer's dX, K = its 10 classes): A read as
// scalars, one row per lane and k, B as vec4s (matmul_rows8.wgsl). Per k a lane's scalar and
// vec4 load feed 32 FMAs (matmul_broadcast: four scalar loads). In a module that starts with
// `enable subgroups;`; sums over k in order with fma from 0: matmul_broadcast's bits.
@group(0) @binding(2) var<storage, read> a: array<f32>;
@group(0) @binding(3) var<storage, read> b: array<vec4f>;

// out[m, n] = act(Σ_k A[m, k]·B[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_broadcast_rows8_k1(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let blk = rows8_block(wid, lane);
  let ra = blk.row * p.K;
  var acc: Acc8;
  for (var k = 0u; k < p.K; k++) {
    let x = a[ra + k];
    let lo = vec4f(subgroupBroadcast(x, 0u), subgroupBroadcast(x, 1u), subgroupBroadcast(x, 2u), subgroupBroadcast(x, 3u));
    let hi = vec4f(subgroupBroadcast(x, 4u), subgroupBroadcast(x, 5u), subgroupBroadcast(x, 6u), subgroupBroadcast(x, 7u));
    rows8_step(&acc, lo, hi, b[k * blk.sb + blk.nq]);
  }
  store_rows8(blk, lane, acc);
}
