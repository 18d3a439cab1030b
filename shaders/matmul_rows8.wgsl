// The lanes' share of C = A·B for the rows8 kernels (matmul_subgroups_vec4.wgsl,
// matmul_rows8_k1.wgsl), B [K, N] contiguous along N: a workgroup is one 8-lane subgroup holding
// 8 rows × 32 columns, lane j owns columns n0 + 4j .. n0 + 4j + 3 (one vec4 of B per k), and
// broadcasts hand every lane the 8 rows of A at each k. Needs N in multiples of 4.
struct Acc8 { c: array<vec4f, 8> } // c[r] = C[m0 + r, n0 + 4j .. n0 + 4j + 3]

// One k: rows m0 .. m0+3 (lo) and m0+4 .. m0+7 (hi) times this lane's 4 columns (bv).
fn rows8_step(acc: ptr<function, Acc8>, lo: vec4f, hi: vec4f, bv: vec4f) {
  for (var r = 0u; r < 4u; r++) {
    (*acc).c[r] = fma(vec4f(lo[r]), bv, (*acc).c[r]);
    (*acc).c[r + 4u] = fma(vec4f(hi[r]), bv, (*acc).c[r + 4u]);
  }
}

// A workgroup's block: rows m0 .., columns n0 .., B's row stride sb in vec4s, this lane's vec4 of
// B columns (nq) and its row of A (row). Columns past N and rows past M read the last one; they
// are not stored.
struct Rows8Block { m0: u32, n0: u32, sb: u32, nq: u32, row: u32 }

fn rows8_block(wid: vec3u, lane: u32) -> Rows8Block {
  let m0 = wid.y * 8u;
  let n0 = wid.x * 32u;
  let sb = p.N / 4u;
  return Rows8Block(m0, n0, sb, min(n0 / 4u + lane, sb - 1u), min(m0 + lane, p.M - 1u));
}

fn store_rows8(blk: Rows8Block, lane: u32, acc: Acc8) {
  let n = blk.n0 + 4u * lane; // a multiple of 4, as N is: all 4 columns are inside or none
  for (var r = 0u; r < 8u; r++) {
    let m = blk.m0 + r;
    if (m < p.M && n < p.N) { store4(m, n, acc.c[r]); }
  }
}
