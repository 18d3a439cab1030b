// A histogram of log10|x| per segment of a flat f32 buffer (the gradient histograms of the
// diagnostics). Two passes over the chunk and segment tables described in reduce_segments.wgsl;
// counts are u32, so their order never matters.
// Bindings: outputs, then inputs, then the uniform params last.
override WG: u32 = 256; // set per adapter
const MAX_BINS = 256u;

struct Params {
  chunks: u32, segments: u32,
  // t = log2|x|·log_scale − log_offset = (log10|x| − lo)·bins / (hi − lo)
  bins: u32, log_scale: f32, log_offset: f32,
}

@group(0) @binding(1) var<storage, read_write> hist: array<u32>;
@group(0) @binding(2) var<storage, read_write> partial: array<u32>;
@group(0) @binding(3) var<storage, read> x: array<vec4f>;
@group(0) @binding(4) var<storage, read> partial_in: array<u32>;
@group(0) @binding(5) var<storage, read> chunks: array<vec4u>;
@group(0) @binding(6) var<storage, read> segs: array<vec4u>;
@group(0) @binding(7) var<uniform> p: Params;

var<workgroup> bins: array<atomic<u32>, MAX_BINS>;

// Bins of |v| on a log10 scale with `bins` equal bins over [lo, hi): below 10^lo in bin 0 (zeros
// and subnormals too: GPUs may flush subnormals, so treat them alike everywhere), at 10^hi and
// above in the last (Inf too). NaN lanes get a bin but are not counted.
fn log10_bins(v: vec4f) -> vec4u {
  let bits = bitcast<vec4u>(v) & vec4u(0x7fffffffu);
  let t = log2(bitcast<vec4f>(bits)) * p.log_scale - p.log_offset;
  let b = vec4u(clamp(floor(t), vec4f(0.0), vec4f(f32(p.bins - 1u))));
  return select(select(b, vec4u(p.bins - 1u), bits == vec4u(0x7f800000u)), vec4u(0u), bits < vec4u(0x00800000u));
}

// Bins counted per read of a chunk: WINDOW counters in registers, four 8-bit counters in each of
// the 12 words of c0..c2 (one-hot: three vector selects per element), moved every FLUSH vec4
// loads (under 2^8 counts) into 16-bit pairs: lo holds bins 4w and 4w+1 of word w, hi 4w+2 and
// 4w+3. Per-element atomics on a workgroup histogram were the dearest op on lavapipe (each a
// scalar locked add). Each invocation counts at most CHUNK / WG elements per chunk, under 2^16
// (src/kernels/reduce.ts).
const WINDOW = 48u;
const FLUSH = 63u; // vec4 loads: at most 252 counts per 8-bit counter

struct Counters { lo0: vec4u, lo1: vec4u, lo2: vec4u, hi0: vec4u, hi1: vec4u, hi2: vec4u }

fn widen(a: ptr<function, Counters>, c0: vec4u, c1: vec4u, c2: vec4u) {
  let m = vec4u(0xffu);
  (*a).lo0 += (c0 & m) | ((c0 & vec4u(0xff00u)) << vec4u(8u));
  (*a).lo1 += (c1 & m) | ((c1 & vec4u(0xff00u)) << vec4u(8u));
  (*a).lo2 += (c2 & m) | ((c2 & vec4u(0xff00u)) << vec4u(8u));
  (*a).hi0 += ((c0 >> vec4u(16u)) & m) | ((c0 >> vec4u(24u)) << vec4u(16u));
  (*a).hi1 += ((c1 >> vec4u(16u)) & m) | ((c1 >> vec4u(24u)) << vec4u(16u));
  (*a).hi2 += ((c2 >> vec4u(16u)) & m) | ((c2 >> vec4u(24u)) << vec4u(16u));
}

// partial[c·bins + b] = #{i ∈ chunk c : bin of x[i] = b}; NaN is counted in no bin. Bins are
// counted WINDOW at a time (one read of the chunk per window), then each invocation adds its
// nonzero counters into the workgroup's histogram: at most WINDOW atomics per invocation.
@compute @workgroup_size(WG)
fn log10_histogram_chunks(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg);
  if (c >= p.chunks) { return; }
  for (var b = lid; b < p.bins; b += WG) { atomicStore(&bins[b], 0u); }
  workgroupBarrier();
  let r = chunks[c];
  let zero = vec4u(0u);
  for (var w0 = 0u; w0 < p.bins; w0 += WINDOW) {
    var wide = Counters(zero, zero, zero, zero, zero, zero);
    var c0 = zero; var c1 = zero; var c2 = zero;
    var loads = 0u;
    for (var q = r.x / 4u + lid; 4u * q < r.y; q += WG) {
      let v = x[q];
      // Bin within the window; lanes outside the chunk, NaN or outside the window match no word.
      let k = select(vec4u(4u * WINDOW), log10_bins(v) - vec4u(w0), lanes_inside(q, r.x, r.y) & !nan_lanes(v));
      let word = k >> vec4u(2u);
      let inc = vec4u(1u) << (8u * (k & vec4u(3u)));
      for (var j = 0u; j < 4u; j++) {
        let wj = vec4u(word[j]);
        let ij = vec4u(inc[j]);
        c0 += select(zero, ij, wj == vec4u(0u, 1u, 2u, 3u));
        c1 += select(zero, ij, wj == vec4u(4u, 5u, 6u, 7u));
        c2 += select(zero, ij, wj == vec4u(8u, 9u, 10u, 11u));
      }
      loads++;
      if (loads == FLUSH) {
        widen(&wide, c0, c1, c2);
        c0 = zero; c1 = zero; c2 = zero;
        loads = 0u;
      }
    }
    widen(&wide, c0, c1, c2);
    let lo = array<vec4u, 3>(wide.lo0, wide.lo1, wide.lo2);
    let hi = array<vec4u, 3>(wide.hi0, wide.hi1, wide.hi2);
    for (var w = 0u; w < WINDOW / 4u; w++) {
      let pairs = vec2u(lo[w / 4u][w % 4u], hi[w / 4u][w % 4u]);
      let n = vec4u(pairs.x & 0xffffu, pairs.x >> 16u, pairs.y & 0xffffu, pairs.y >> 16u);
      for (var i = 0u; i < 4u; i++) {
        if (n[i] != 0u) { atomicAdd(&bins[w0 + 4u * w + i], n[i]); }
      }
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
