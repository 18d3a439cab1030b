// Matmul on subgroup broadcasts, for CPU adapters that run a subgroup as one SIMD vector
// (lavapipe: 8 lanes): appended to matmul.wgsl (load_a, load_b, store) in a module that starts
// with `enable subgroups;`. There a load whose address differs per lane runs as 8 scalar loads,
// each behind a lane-mask test and a bounds check (LLVM scalarises the masked gather: seen in
// the JIT code under perf), while FMAs are 8 wide, so loads per FMA decide the speed. A workgroup is one subgroup of 8
// lanes; lane j owns columns n0 + j and n0 + 8 + j of 16 rows. Per 8 k, lane j loads
// op(A)[m0 + r, k0 + j] for the 16 rows, and broadcasts hand every lane all 8 k's of them:
// 16 + 16 loads feed 256 FMAs per lane (matmul_direct: 16 loads per 64, and its 64 sums spill).
// subgroupBroadcast needs a constant lane, hence the 8 written-out steps (a shuffle by a loop
// index instead ran at 0.7x).
const SUB_ROWS = 16u;

struct Acc { c: array<vec4f, 4>, d: array<vec4f, 4>, s: array<vec4f, 4> } // c[q][i] = C[m0 + 4q + i, n], d: column n + 8, s: SUM_A's sums

fn acc_step(s: ptr<function, Acc>, a: array<vec4f, 4>, k: u32, n: u32) {
  let b0 = load_b(k, n);
  let b1 = load_b(k, n + 8u);
  for (var q = 0u; q < 4u; q++) {
    (*s).c[q] = fma(a[q], vec4f(b0), (*s).c[q]);
    (*s).d[q] = fma(a[q], vec4f(b1), (*s).d[q]);
    if (SUM_A) { (*s).s[q] += a[q]; }
  }
}

// op(A)[m0 + r, k] for the 16 rows, 0 past K.
fn a_block(m0: u32, k: u32) -> array<vec4f, 4> {
  let kc = min(k, p.K - 1u);
  var ak: array<vec4f, 4>;
  for (var q = 0u; q < 4u; q++) { ak[q] = select(vec4f(), col_a(m0 + 4u * q, kc), k < p.K); }
  return ak;
}

// out[m, n] = act(Σ_k op(A)[m, k]·op(B)[k, n] + bias[n])   (=)
@compute @workgroup_size(8)
fn matmul_broadcast(@builtin(workgroup_id) wid: vec3u, @builtin(subgroup_invocation_id) lane: u32) {
  let m0 = wid.y * SUB_ROWS;
  let n = wid.x * 16u + lane;
  var s: Acc;
  // Whole blocks of 8 k with no branch inside (lavapipe blends every update made under an if
  // with the lane mask: 1.2-1.6x slower), then the last K % 8, each step skipped past K (a
  // shuffle by a loop index instead was 1.3x slower at K = 10).
  let whole = p.K & ~7u;
  var k0 = 0u;
  for (; k0 < whole; k0 += 8u) {
    let ak = a_block(m0, k0 + lane);
    acc_step(&s, array(subgroupBroadcast(ak[0], 0u), subgroupBroadcast(ak[1], 0u), subgroupBroadcast(ak[2], 0u), subgroupBroadcast(ak[3], 0u)), k0, n);
    acc_step(&s, array(subgroupBroadcast(ak[0], 1u), subgroupBroadcast(ak[1], 1u), subgroupBroadcast(ak[2], 1u), subgroupBroadcast(ak[3], 1u)), k0 + 1u, n);
    acc_step(&s, array(subgroupBroadcast(ak[0], 2u), subgroupBroadcast(ak[1], 2u), subgroupBroadcast(ak[2], 2u), subgroupBroadcast(ak[3], 2u)), k0 + 2u, n);
    acc_step(&s, array(subgroupBroadcast(ak[0], 3u), subgroupBroadcast(ak[1], 3u), subgroupBroadcast(ak[2], 3u), subgroupBroadcast(ak[3], 3u)), k0 + 3u, n);
    acc_step(&s, array(subgroupBroadcast(ak[0], 4u), subgroupBroadcast(ak[1], 4u), subgroupBroadcast(ak[2], 4u), subgroupBroadcast(ak[3], 4u)), k0 + 4u, n);
    acc_step(&s, array(subgroupBroadcast(ak[0], 5u), subgroupBroadcast(ak[1], 5u), subgroupBroadcast(ak[2], 5u), subgroupBroadcast(ak[3], 5u)), k0 + 5u, n);
    acc_step(&s, array(subgroupBroadcast(ak[0], 6u), subgroupBroadcast(ak[1], 6u), subgroupBroadcast(ak[2], 6u), subgroupBroadcast(ak[3], 6u)), k0 + 6u, n);
    acc_step(&s, array(subgroupBroadcast(ak[0], 7u), subgroupBroadcast(ak[1], 7u), subgroupBroadcast(ak[2], 7u), subgroupBroadcast(ak[3], 7u)), k0 + 7u, n);
  }
  if (k0 < p.K) {
    let ak = a_block(m0, k0 + lane);
    acc_step(&s, array(subgroupBroadcast(ak[0], 0u), subgroupBroadcast(ak[1], 0u), subgroupBroadcast(ak[2], 0u), subgroupBroadcast(ak[3], 0u)), k0, n);
    if (k0 + 1u < p.K) { acc_step(&s, array(subgroupBroadcast(ak[0], 1u), subgroupBroadcast(ak[1], 1u), subgroupBroadcast(ak[2], 1u), subgroupBroadcast(ak[3], 1u)), k0 + 1u, n); }
    if (k0 + 2u < p.K) { acc_step(&s, array(subgroupBroadcast(ak[0], 2u), subgroupBroadcast(ak[1], 2u), subgroupBroadcast(ak[2], 2u), subgroupBroadcast(ak[3], 2u)), k0 + 2u, n); }
    if (k0 + 3u < p.K) { acc_step(&s, array(subgroupBroadcast(ak[0], 3u), subgroupBroadcast(ak[1], 3u), subgroupBroadcast(ak[2], 3u), subgroupBroadcast(ak[3], 3u)), k0 + 3u, n); }
    if (k0 + 4u < p.K) { acc_step(&s, array(subgroupBroadcast(ak[0], 4u), subgroupBroadcast(ak[1], 4u), subgroupBroadcast(ak[2], 4u), subgroupBroadcast(ak[3], 4u)), k0 + 4u, n); }
    if (k0 + 5u < p.K) { acc_step(&s, array(subgroupBroadcast(ak[0], 5u), subgroupBroadcast(ak[1], 5u), subgroupBroadcast(ak[2], 5u), subgroupBroadcast(ak[3], 5u)), k0 + 5u, n); }
    if (k0 + 6u < p.K) { acc_step(&s, array(subgroupBroadcast(ak[0], 6u), subgroupBroadcast(ak[1], 6u), subgroupBroadcast(ak[2], 6u), subgroupBroadcast(ak[3], 6u)), k0 + 6u, n); }
    if (k0 + 7u < p.K) { acc_step(&s, array(subgroupBroadcast(ak[0], 7u), subgroupBroadcast(ak[1], 7u), subgroupBroadcast(ak[2], 7u), subgroupBroadcast(ak[3], 7u)), k0 + 7u, n); }
  }
  store_rows16(m0, n, s.c, s.d);
  if (SUM_A && n == 0u) { for (var q = 0u; q < 4u; q++) { store_sum_a(m0 + 4u * q, s.s[q]); } }
}
