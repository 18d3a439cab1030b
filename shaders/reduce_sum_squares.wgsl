// Shared by reduce.wgsl and reduce_count.wgsl (kept out of reduce_segments.wgsl, which families
// without an `x` binding include too: the optimizers' update_with_norms).
// Σ x² over this invocation's vec4s of chunk r = chunks[c] (every WG-th from the first; lanes
// outside the chunk add 0), in order. sum_squares_chunks (reduce.wgsl) and the histogram's Σx²
// (reduce_count.wgsl) share it, so theirs are the same bits; both modules declare x and WG.
fn lane_sum_squares(r: vec4u, lid: u32) -> f32 {
  var acc = 0.0;
  for (var q = r.x / 4u + lid; 4u * q < r.y; q += WG) {
    // select, not a multiply by a 0/1 mask: masked lanes may hold NaN.
    let v = select(vec4f(0.0), x[q], lanes_inside(q, r.x, r.y));
    acc += dot(v, v);
  }
  return acc;
}
