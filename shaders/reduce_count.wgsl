// Counting reductions per segment of a flat f32 buffer: the fractions of vanishing and exploding
// values, and a histogram of log10|x|. Two passes per op over the chunk and segment tables
// described in reduce_segments.wgsl; counts are u32, so their order never matters.
// Bindings: outputs, then inputs, then the uniform params last.
override WG: u32 = 256; // a power of two: the tree reduction halves it
const MAX_BINS = 256u;

struct Params {
  chunks: u32, segments: u32,
  below: f32, above: f32,
  // log10_bin: t = log2|x|·log_scale − log_offset = (log10|x| − lo)·bins / (hi − lo)
  bins: u32, log_scale: f32, log_offset: f32,
}

@group(0) @binding(0) var<storage, read_write> fractions: array<f32>;
@group(0) @binding(1) var<storage, read_write> hist: array<u32>;
@group(0) @binding(2) var<storage, read_write> partial: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<vec4f>;
@group(0) @binding(4) var<storage, read> partial_in: array<u32>;
@group(0) @binding(5) var<storage, read> chunks: array<vec4u>;
@group(0) @binding(6) var<storage, read> segs: array<vec4u>;
@group(0) @binding(7) var<uniform> p: Params;

var<workgroup> counts: array<vec3u, WG>;
var<workgroup> bins: array<atomic<u32>, MAX_BINS>;

fn count_true(b: vec4<bool>) -> u32 { return dot(select(vec4u(0u), vec4u(1u), b), vec4u(1u)); }

// Σ over the workgroup's invocations (tree order). Every invocation must call it.
fn workgroup_count(lid: u32, v: vec3u) -> vec3u {
  counts[lid] = v;
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    workgroupBarrier();
    if (lid < s) { counts[lid] += counts[lid + s]; }
  }
  workgroupBarrier();
  return counts[0];
}

// partial[3c .. 3c+2] = #{|x| < below}, #{|x| > above}, #{x is NaN} over chunk c
@compute @workgroup_size(WG)
fn threshold_chunks(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg);
  if (c >= p.chunks) { return; }
  let r = chunks[c];
  var k = vec3u(0u);
  for (var q = r.x / 4u + lid; 4u * q < r.y; q += WG) {
    let inside = lanes_inside(q, r.x, r.y);
    let a = abs(x[q]);
    k += vec3u(count_true(inside & (a < vec4f(p.below))), count_true(inside & (a > vec4f(p.above))), count_true(inside & nan_lanes(a)));
  }
  let total = workgroup_count(lid, k);
  if (lid == 0u) {
    partial[3u * c] = total.x;
    partial[3u * c + 1u] = total.y;
    partial[3u * c + 2u] = total.z;
  }
}

// fractions[2s] = #{|x| < below} / length, fractions[2s+1] = #{|x| > above} / length over
// segment s; both NaN if the segment holds a NaN (a fraction that skipped it would look healthy)
// and for an empty segment (0 / 0). ±Inf counts as above.
@compute @workgroup_size(WG)
fn threshold_segments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let s = flat_workgroup(wid, nwg) * WG + lid; // one invocation per segment
  if (s >= p.segments) { return; }
  let g = segs[s];
  var total = vec3u(0u);
  for (var j = 0u; j < g.y; j++) {
    let i = 3u * (g.x + j);
    total += vec3u(partial_in[i], partial_in[i + 1u], partial_in[i + 2u]);
  }
  let no_answer = total.z > 0u || g.z == 0u;
  let nan = quiet_nan();
  let len = f32(g.z);
  fractions[2u * s] = select(f32(total.x) / len, nan, no_answer);
  fractions[2u * s + 1u] = select(f32(total.y) / len, nan, no_answer);
}

// Bin of |v| on a log10 scale with `bins` equal bins over [lo, hi): below 10^lo in bin 0 (zeros
// and subnormals too: GPUs may flush subnormals, so treat them alike everywhere), at 10^hi and
// above in the last (Inf too). v is not NaN.
fn log10_bin(v: f32) -> u32 {
  let bits = bitcast<u32>(v) & 0x7fffffffu;
  if (bits < 0x00800000u) { return 0u; }
  if (bits == 0x7f800000u) { return p.bins - 1u; }
  let t = log2(bitcast<f32>(bits)) * p.log_scale - p.log_offset;
  return u32(clamp(floor(t), 0.0, f32(p.bins - 1u)));
}

// partial[c·bins + b] = #{i ∈ chunk c : log10_bin(x[i]) = b}; NaN is counted in no bin
@compute @workgroup_size(WG)
fn log10_histogram_chunks(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg);
  if (c >= p.chunks) { return; }
  for (var b = lid; b < p.bins; b += WG) { atomicStore(&bins[b], 0u); }
  workgroupBarrier();
  let r = chunks[c];
  for (var q = r.x / 4u + lid; 4u * q < r.y; q += WG) {
    let counted = lanes_inside(q, r.x, r.y) & !nan_lanes(x[q]);
    let v = x[q];
    for (var j = 0u; j < 4u; j++) {
      if (counted[j]) { atomicAdd(&bins[log10_bin(v[j])], 1u); }
    }
  }
  workgroupBarrier();
  for (var b = lid; b < p.bins; b += WG) { partial[c * p.bins + b] = atomicLoad(&bins[b]); }
}

// hist[s·bins + b] = Σ_{c ∈ segment s} partial[c·bins + b]: one invocation per (segment, bin)
@compute @workgroup_size(WG)
fn log10_histogram_segments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  if (i >= p.segments * p.bins) { return; }
  let g = segs[i / p.bins];
  let b = i % p.bins;
  var n = 0u;
  for (var k = 0u; k < g.y; k++) { n += partial_in[(g.x + k) * p.bins + b]; }
  hist[i] = n;
}
