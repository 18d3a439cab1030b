// Library for the segment reductions (reduce.wgsl, reduce_count.wgsl). The engine keeps all
// parameters (and all gradients) in one flat f32 buffer; a segment is one tensor's element range
// in it. Each op is two dispatches whatever the segment count, with no float atomics, so results
// are the same bits on every run:
//   *_chunks   one workgroup per chunk (a piece of one segment, cut at multiples of CHUNK
//              elements: src/kernels/reduce.ts) writes a partial result;
//   *_segments one invocation per segment (per segment and bin for the histogram) adds its
//              chunks' partials in chunk order.
// Tables built once on the CPU, one vec4u per row, in elements of x:
//   chunks[c] = (start, end, segment, 0);  segs[s] = (first chunk, chunk count, length, row)
// (row: the histogram's output row of segment s, reduce_count.wgsl; 0 for the other ops).
// x is read as vec4f: cuts inside a segment fall on multiples of 4, so only the first and last
// vec4 of a segment reach outside it, and those lanes are masked (they may hold anything).

// A quiet NaN, for results that must say "undefined". Made at run time: a NaN constant
// expression (0.0 / 0.0, or a bitcast of a const) is a shader-creation error in WGSL.
fn quiet_nan() -> f32 {
  var bits = 0x7fc00000u;
  return bitcast<f32>(bits);
}

// ±Inf, made at run time like quiet_nan (an infinite constant expression is an error too).
fn infinity(sign: f32) -> f32 {
  var bits = 0x7f800000u;
  return sign * bitcast<f32>(bits);
}

// Lanes of vec4 q (elements 4q .. 4q+3) that lie in [start, end).
fn lanes_inside(q: u32, start: u32, end: u32) -> vec4<bool> {
  let i = vec4u(4u * q) + vec4u(0u, 1u, 2u, 3u);
  return (i >= vec4u(start)) & (i < vec4u(end));
}

// NaN lanes, by their bits (see is_nan in common.wgsl: `v != v` may be folded away).
fn nan_lanes(v: vec4f) -> vec4<bool> {
  return (bitcast<vec4u>(v) & vec4u(0x7fffffffu)) > vec4u(0x7f800000u);
}
