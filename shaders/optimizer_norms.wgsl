// The optimizer step of a diagnostics step (appended to optimizers.wgsl with
// optimizer_norms_scalar.wgsl, or to optimizers_vec4.wgsl with optimizer_norms_vec4.wgsl, which
// give read4 / update4 / write4; and the segment reductions' libraries): the update of every
// parameter, one workgroup per chunk of the chunk tables (reduce_segments.wgsl) over the parameter
// tensors, and from the values in registers partial[2c] = Σ θ_after², partial[2c + 1] =
// Σ (θ_after − θ_before)² over chunk c, summed by norm_and_distance_chunks' code (reduce_norms.wgsl),
// which the segments pass (its norm_and_distance_segments) adds per tensor: ‖θ‖² and the update's
// ‖Δθ‖² without writing the parameters before the update out and reading both back. Tensors start
// on vec4s and share none (src/kernels/optimizers.ts checks): the lanes of a tensor's last vec4
// past its end are padding, zero with a zero gradient, which every update keeps at zero (as the
// plain kernels do).
override KIND: u32 = 0u; // 0 sgd, 1 adam and adamw, 2 rmsprop, 3 none: the norms of θ, no update

@group(0) @binding(7) var<storage, read_write> partial: array<f32>;
@group(0) @binding(8) var<storage, read> chunks: array<vec4u>;

@compute @workgroup_size(WG)
fn update_with_norms(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg);
  if (c >= arrayLength(&chunks)) { return; }
  let r = chunks[c];
  let update = KIND != 3u && !is_nan(scale[0]); // NaN: a skipped update (non-finite gradients)
  var acc = vec2f(0.0);
  for (var q = r.x / 4u + lid; 4u * q < r.y; q += WG) {
    let before = read4(q);
    var after = before;
    if (update) {
      after = update4(q, before);
      write4(q, after);
    }
    acc = add_norm_and_distance(acc, q, r, after, before);
  }
  store_norm_and_distance(c, lid, acc);
}
