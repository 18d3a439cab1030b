// ‖x‖² and ‖x − y‖² of a chunk, shared by norm_and_distance_chunks (reduce.wgsl) and the
// optimizer's update_with_norms (optimizer_norms.wgsl), so both sum in one order: the same bits.
// Both modules declare `partial` (f32, 2 per chunk) and WG.

// acc + (Σ x², Σ (x − y)²) over the lanes of vec4 q that lie in chunk r.
fn add_norm_and_distance(acc: vec2f, q: u32, r: vec4u, x: vec4f, y: vec4f) -> vec2f {
  let inside = lanes_inside(q, r.x, r.y);
  let v = select(vec4f(0.0), x, inside);
  let d = select(vec4f(0.0), x - y, inside);
  return acc + vec2f(dot(v, v), dot(d, d));
}

// The workgroup's sums into partial[2c], partial[2c + 1] (every invocation calls it).
fn store_norm_and_distance(c: u32, lid: u32, acc: vec2f) {
  let norm = wg_sum(lid, acc.x);
  let distance = wg_sum(lid, acc.y);
  if (lid == 0u) {
    partial[2u * c] = norm;
    partial[2u * c + 1u] = distance;
  }
}
