// Sum of squares, norm and distance, and (min, max, mean, std, fractions below and above two
// thresholds) per segment of a flat f32 buffer: per-layer gradient norms, the global norm for
// clipping, weight and update norms, activation statistics and saturation in one read. Two passes per op over the chunk and segment tables described in
// reduce_segments.wgsl; fp32 accumulation in a fixed order; the workgroup sums come from
// reduce_workgroup.wgsl or its subgroup twin.
// Bindings: outputs, then inputs, then the uniform params last.
override WG: u32 = 256; // a power of two (the tree reductions halve it); set per adapter

struct Params { chunks: u32, segments: u32, below: f32, above: f32 } // below, above: stats only

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read_write> partial: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<vec4f>;
@group(0) @binding(3) var<storage, read> partial_in: array<f32>;
@group(0) @binding(4) var<storage, read> chunks: array<vec4u>;
@group(0) @binding(5) var<storage, read> segs: array<vec4u>;
@group(0) @binding(6) var<uniform> p: Params;
@group(0) @binding(7) var<storage, read> y: array<vec4f>; // norm_and_distance only

// partial[c] = Σ_{i ∈ chunk c} x[i]²   (a NaN makes it NaN; an Inf or |x| > 1.8e19 makes it Inf)
@compute @workgroup_size(WG)
fn sum_squares_chunks(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg);
  if (c >= p.chunks) { return; }
  let total = wg_sum(lid, lane_sum_squares(chunks[c], lid));
  if (lid == 0u) { partial[c] = total; }
}

// out[s] = Σ_{c ∈ segment s} partial[c] in chunk order   (an empty segment gives 0). One
// invocation per segment: most segments are one chunk, and a workgroup's tree per segment cost
// more than the sum (lavapipe).
@compute @workgroup_size(WG)
fn sum_squares_segments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let s = flat_workgroup(wid, nwg) * WG + lid;
  if (s >= p.segments) { return; }
  let g = segs[s];
  var acc = 0.0;
  for (var k = 0u; k < g.y; k++) { acc += partial_in[g.x + k]; }
  out[s] = acc;
}

// partial[2c] = Σ x², partial[2c+1] = Σ (x − y)² over chunk c: a tensor's squared norm and its
// squared distance from y (the weights, and the update just applied to them) in one read.
@compute @workgroup_size(WG)
fn norm_and_distance_chunks(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg);
  if (c >= p.chunks) { return; }
  let r = chunks[c];
  var acc = vec2f(0.0);
  for (var q = r.x / 4u + lid; 4u * q < r.y; q += WG) { acc = add_norm_and_distance(acc, q, r, x[q], y[q]); }
  store_norm_and_distance(c, lid, acc);
}

// out[2s] = Σ x², out[2s+1] = Σ (x − y)² over segment s, from its chunks in order (one invocation
// per segment; an empty segment gives 0, 0).
@compute @workgroup_size(WG)
fn norm_and_distance_segments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let s = flat_workgroup(wid, nwg) * WG + lid;
  if (s >= p.segments) { return; }
  let g = segs[s];
  var acc = vec2f(0.0);
  for (var k = 0u; k < g.y; k++) { acc += vec2f(partial_in[2u * (g.x + k)], partial_in[2u * (g.x + k) + 1u]); }
  out[2u * s] = acc.x;
  out[2u * s + 1u] = acc.y;
}

// Count, mean, M2 = Σ (x − mean)², min and max of a set of elements.
struct Moments { n: f32, mean: f32, m2: f32, lo: f32, hi: f32 }

// min and max that keep a NaN (WGSL's may return the other operand).
fn min_nan(a: f32, b: f32) -> f32 { return select(select(min(a, b), b, is_nan(b)), a, is_nan(a)); }
fn max_nan(a: f32, b: f32) -> f32 { return select(select(max(a, b), b, is_nan(b)), a, is_nan(a)); }

// Moments of the union of two disjoint sets (Chan, Golub & LeVeque): no Σx² − n·mean² cancellation.
fn merge(a: Moments, b: Moments) -> Moments {
  if (b.n == 0.0) { return a; }
  if (a.n == 0.0) { return b; }
  let n = a.n + b.n;
  let d = b.mean - a.mean;
  let w = b.n / n;
  // The mean as a weighted average, not a.mean + d·w: an Inf mean must stay Inf, not Inf − Inf.
  return Moments(n, a.mean * (a.n / n) + b.mean * w, a.m2 + b.m2 + d * d * a.n * w, min_nan(a.lo, b.lo), max_nan(a.hi, b.hi));
}

// partial[7c .. 7c+6] = (n, mean, M2, min, max, #{|x| < below}, #{|x| > above}) of chunk c, in
// one read: sums of d = x − k and d² about k, the chunk's first element (0 if that is not
// finite), so M2 = Σd² − (Σd)²/n loses little to cancellation while the mean is near k (as a
// sample of the data, k is, typically within a few std; the tests hold it to 1e-5 of max|x|). A
// NaN in the chunk makes mean, min and max NaN (pass 2 then gives NaN for all six); an Inf makes
// the mean Inf and M2 NaN, and counts as above. Counts are exact in f32 (a chunk < 2^24).
@compute @workgroup_size(WG)
fn stats_chunks(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg);
  if (c >= p.chunks) { return; }
  let r = chunks[c];
  let inf = infinity(1.0);
  let first = x[r.x / 4u][r.x % 4u];
  let k = select(0.0, first, is_finite(first));
  var s1 = 0.0;
  var s2 = 0.0;
  var nans = 0.0;
  var lo = inf;
  var hi = -inf;
  var below = 0.0;
  var above = 0.0;
  for (var q = r.x / 4u + lid; 4u * q < r.y; q += WG) {
    let inside = lanes_inside(q, r.x, r.y);
    let v = x[q];
    let nan = nan_lanes(v);
    let ok = inside & !nan;
    let d = select(vec4f(0.0), v - k, inside);
    s1 += dot(d, vec4f(1.0));
    s2 += dot(d, d);
    nans += dot(select(vec4f(0.0), vec4f(1.0), inside & nan), vec4f(1.0));
    let low = select(vec4f(inf), v, ok);
    let high = select(vec4f(-inf), v, ok);
    lo = min(lo, min(min(low.x, low.y), min(low.z, low.w)));
    hi = max(hi, max(max(high.x, high.y), max(high.z, high.w)));
    let a = abs(v);
    below += dot(select(vec4f(0.0), vec4f(1.0), ok & (a < vec4f(p.below))), vec4f(1.0));
    above += dot(select(vec4f(0.0), vec4f(1.0), ok & (a > vec4f(p.above))), vec4f(1.0));
  }
  let n = f32(r.y - r.x);
  let t = vec4f(wg_sum(lid, s1), wg_sum(lid, s2), wg_min(lid, lo), wg_max(lid, hi));
  let any_nan = wg_sum(lid, nans) > 0.0;
  let counts = vec2f(wg_sum(lid, below), wg_sum(lid, above));
  if (lid == 0u) {
    let nan = quiet_nan();
    let mean = k + t.x / n;
    partial[7u * c] = n;
    partial[7u * c + 1u] = select(mean, nan, any_nan);
    let m2 = t.y - t.x * (t.x / n);
    partial[7u * c + 2u] = select(m2, max(m2, 0.0), is_finite(m2)); // rounding may dip below 0; NaN stays
    partial[7u * c + 3u] = select(t.z, nan, any_nan);
    partial[7u * c + 4u] = select(t.w, nan, any_nan);
    partial[7u * c + 5u] = counts.x;
    partial[7u * c + 6u] = counts.y;
  }
}

// out[6s .. 6s+5] = (min, max, mean, std, fraction |x| < below, fraction |x| > above) of segment
// s, std = sqrt(M2 / n) (population); all NaN for an empty segment. A NaN element makes all six
// NaN (a fraction that skipped it would look healthy); an Inf makes std NaN. One invocation per
// segment merges its chunks in order.
@compute @workgroup_size(WG)
fn stats_segments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let s = flat_workgroup(wid, nwg) * WG + lid;
  if (s >= p.segments) { return; }
  let g = segs[s];
  var t = Moments(0.0, 0.0, 0.0, 0.0, 0.0);
  var counts = vec2f(0.0);
  for (var k = 0u; k < g.y; k++) {
    let i = 7u * (g.x + k);
    t = merge(t, Moments(partial_in[i], partial_in[i + 1u], partial_in[i + 2u], partial_in[i + 3u], partial_in[i + 4u]));
    counts += vec2f(partial_in[i + 5u], partial_in[i + 6u]);
  }
  let nan = quiet_nan();
  let empty = t.n == 0.0;
  let none = empty | is_nan(t.lo); // lo is NaN exactly when a chunk held a NaN
  out[6u * s] = select(t.lo, nan, empty);
  out[6u * s + 1u] = select(t.hi, nan, empty);
  out[6u * s + 2u] = select(t.mean, nan, empty);
  out[6u * s + 3u] = select(sqrt(t.m2 / t.n), nan, empty);
  out[6u * s + 4u] = select(counts.x / t.n, nan, none);
  out[6u * s + 5u] = select(counts.y / t.n, nan, none);
}
