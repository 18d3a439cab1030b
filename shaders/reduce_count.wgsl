// A histogram of log10|x| per segment of a flat f32 buffer (the gradient histograms of the
// diagnostics). Two passes over the chunk and segment tables described in reduce_segments.wgsl;
// counts are u32, so their order never matters. segs[s].w is segment s's row of hist (NO_ROW:
// counted, not stored). With SUM_SQ the same read also gives squares[s] = Σ x² of every segment,
// summed in sum_squares_chunks' and sum_squares_segments' order (reduce.wgsl): the same bits.
// Bindings: outputs, then inputs, then the uniform params last.
override WG: u32 = 256; // set per adapter
override SUM_SQ: bool = false;
const MAX_BINS = 256u;
const NO_ROW = 0xffffffffu;

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
@group(0) @binding(0) var<storage, read_write> squares: array<f32>; // SUM_SQ: [segments]
@group(0) @binding(8) var<storage, read_write> partial_sq: array<f32>; // SUM_SQ: [chunks]
@group(0) @binding(9) var<storage, read> partial_sq_in: array<f32>;

var<workgroup> bins: array<atomic<u32>, MAX_BINS>;

// Bins of |v| on a log10 scale with `bins` equal bins over [lo, hi): below 10^lo in bin 0 (zeros
// and subnormals too: GPUs may flush subnormals, so treat them alike everywhere), at 10^hi and
// above in the last (Inf too). NaN lanes get a bin but are not counted.
fn log10_bins(v: vec4f) -> vec4u {
  let bits = bitcast<vec4u>(v) & vec4u(0x7fffffffu);
  let t = log2(bitcast<vec4f>(bits)) * p.log_scale - p.log_offset;
  // The clamped floor is a whole number in [0, 2^23): adding 2^23 puts it in the low mantissa
  // bits, exactly. No float-to-int conversion: WGSL's saturates, which lavapipe (LLVM 15) runs
  // as a scalar conversion, two NaN/range tests and branches per lane (the histogram of 51
  // segments of 4,096: 0.88-1.0 → 0.61-0.80 ms).
  let b = bitcast<vec4u>(clamp(floor(t), vec4f(0.0), vec4f(f32(p.bins - 1u))) + vec4f(8388608.0)) - vec4u(0x4b000000u);
  return select(select(b, vec4u(p.bins - 1u), bits == vec4u(0x7f800000u)), vec4u(0u), bits < vec4u(0x00800000u));
}

// Bins counted per read of a chunk: WINDOW counters in registers, eight 4-bit counters in each of
// the 6 words of n0, n1 (one-hot: two vector selects per element), moved every FLUSH vec4 loads
// (at most 12 counts per nibble) into 16-bit pairs: wide[i] holds bins 8w + 2i (low half) and
// 8w + 2i + 1 (high half) of nibble word w. Nibbles halve the selects of byte counters
// (per-element atomics on a workgroup histogram, scalar locked adds on lavapipe, cost more
// still). A workgroup counts at most CHUNK elements per chunk, under 2^16 (src/kernels/reduce.ts),
// so neither half of a pair overflows, in one invocation or summed over the workgroup.
const WINDOW = 48u;
const FLUSH = 3u; // vec4 loads: at most 12 counts per 4-bit counter

struct Wide { a0: vec4u, a1: vec4u, a2: vec4u, a3: vec4u, b0: vec2u, b1: vec2u, b2: vec2u, b3: vec2u }

fn pair4(n: vec4u, i: u32) -> vec4u { return ((n >> vec4u(8u * i)) & vec4u(0xfu)) | (((n >> vec4u(8u * i + 4u)) & vec4u(0xfu)) << vec4u(16u)); }
fn pair2(n: vec2u, i: u32) -> vec2u { return ((n >> vec2u(8u * i)) & vec2u(0xfu)) | (((n >> vec2u(8u * i + 4u)) & vec2u(0xfu)) << vec2u(16u)); }

fn widen(w: ptr<function, Wide>, n0: vec4u, n1: vec2u) {
  (*w).a0 += pair4(n0, 0u); (*w).a1 += pair4(n0, 1u); (*w).a2 += pair4(n0, 2u); (*w).a3 += pair4(n0, 3u);
  (*w).b0 += pair2(n1, 0u); (*w).b1 += pair2(n1, 1u); (*w).b2 += pair2(n1, 2u); (*w).b3 += pair2(n1, 3u);
}

// partial[c·bins + b] = #{i ∈ chunk c : bin of x[i] = b}; NaN is counted in no bin. Bins are
// counted WINDOW at a time (one read of the chunk per window), then the invocations' counters
// are added: across the subgroup when the workgroup is one (no atomics), else each invocation
// adds its nonzero ones into the workgroup's histogram (at most WINDOW atomics each). On lavapipe
// (51 segments of 4,096) the histogram took 5.4-6.1x the time of Σg² over the same values with
// atomics and the widen under a branch in the load loop, 2.0-2.6x now.
@compute @workgroup_size(WG)
fn log10_histogram_chunks(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let c = flat_workgroup(wid, nwg);
  if (c >= p.chunks) { return; }
  if (SG != WG) {
    for (var b = lid; b < p.bins; b += WG) { atomicStore(&bins[b], 0u); }
  }
  workgroupBarrier();
  let r = chunks[c];
  if (segs[r.z].w == NO_ROW) {
    // Not counted: only Σx² (the diagnostics' bias gradients), without the histogram's machinery.
    if (SUM_SQ) {
      let total = wg_sum(lid, lane_sum_squares(r, lid));
      if (lid == 0u) { partial_sq[c] = total; }
    }
    return;
  }
  let zero = vec4u(0u);
  var sq = 0.0;
  for (var w0 = 0u; w0 < p.bins; w0 += WINDOW) {
    let zero2 = vec2u(0u);
    var wide = Wide(zero, zero, zero, zero, zero2, zero2, zero2, zero2);
    var n0 = zero; var n1 = zero2;
    // FLUSH loads per pass of the inner loop, then a widen: no count under a branch in the loop.
    for (var q0 = r.x / 4u + lid; 4u * q0 < r.y; q0 += FLUSH * WG) {
      for (var f = 0u; f < FLUSH; f++) {
        let q = q0 + f * WG;
        let v = x[q]; // past the chunk: masked below (WGSL bounds every read of a binding)
        if (SUM_SQ) {
          // lane_sum_squares' sum in its order (q0, q0 + WG, ...): lanes outside the chunk, and
          // every lane after the first window, add 0.
          let m = select(vec4f(0.0), v, lanes_inside(q, r.x, r.y) & vec4<bool>(w0 == 0u));
          sq += dot(m, m);
        }
        // Bin within the window; lanes outside the chunk, NaN or outside the window match no word.
        let k = select(vec4u(4u * WINDOW), log10_bins(v) - vec4u(w0), lanes_inside(q, r.x, r.y) & !nan_lanes(v));
        let word = k >> vec4u(3u);
        let inc = vec4u(1u) << (4u * (k & vec4u(7u)));
        for (var j = 0u; j < 4u; j++) {
          n0 += select(zero, vec4u(inc[j]), vec4u(word[j]) == vec4u(0u, 1u, 2u, 3u));
          n1 += select(zero2, vec2u(inc[j]), vec2u(word[j]) == vec2u(4u, 5u));
        }
      }
      widen(&wide, n0, n1);
      n0 = zero; n1 = zero2;
    }
    let a = array<vec4u, 4>(wide.a0, wide.a1, wide.a2, wide.a3);
    let b = array<vec2u, 4>(wide.b0, wide.b1, wide.b2, wide.b3);
    for (var i = 0u; i < 4u; i++) {
      let pairs = array<u32, 6>(a[i].x, a[i].y, a[i].z, a[i].w, b[i].x, b[i].y);
      for (var w = 0u; w < 6u; w++) {
        let bin = w0 + 8u * w + 2u * i;
        if (SG == WG) {
          // The workgroup is one subgroup (lavapipe): its pairs add across lanes (each half stays
          // under 2^16: a chunk holds fewer elements), straight into the partial, no atomics.
          let s = wg_sum_u(lid, pairs[w]);
          if (lid == 0u && bin < p.bins) { partial[c * p.bins + bin] = s & 0xffffu; }
          if (lid == 0u && bin + 1u < p.bins) { partial[c * p.bins + bin + 1u] = s >> 16u; }
        } else {
          let lo = pairs[w] & 0xffffu;
          let hi = pairs[w] >> 16u;
          if (lo != 0u) { atomicAdd(&bins[bin], lo); }
          if (hi != 0u) { atomicAdd(&bins[bin + 1u], hi); }
        }
      }
    }
  }
  if (SUM_SQ) {
    let total = wg_sum(lid, sq);
    if (lid == 0u) { partial_sq[c] = total; }
  }
  if (SG == WG) { return; }
  workgroupBarrier();
  for (var b = lid; b < p.bins; b += WG) { partial[c * p.bins + b] = atomicLoad(&bins[b]); }
}

// hist[row·bins + b] = Σ_{c ∈ segment s} partial[c·bins + b], row = segs[s].w: one invocation
// per (segment, bin); with SUM_SQ, the bin-0 one also adds the segment's Σ x² partials in order.
@compute @workgroup_size(WG)
fn log10_histogram_segments(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  if (i >= p.segments * p.bins) { return; }
  let s = i / p.bins;
  let g = segs[s];
  let b = i % p.bins;
  if (SUM_SQ && b == 0u) {
    var acc = 0.0;
    for (var k = 0u; k < g.y; k++) { acc += partial_sq_in[g.x + k]; }
    squares[s] = acc;
  }
  if (g.w == NO_ROW) { return; }
  var n = 0u;
  for (var k = 0u; k < g.y; k++) { n += partial_in[(g.x + k) * p.bins + b]; }
  hist[g.w * p.bins + b] = n;
}
