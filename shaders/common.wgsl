// Prepended to every shader family by src/gpu/shaders.ts.

// Kernels launched through dispatchGrid() may receive a 2D or 3D grid when one dimension would
// exceed maxComputeWorkgroupsPerDimension; this flattens it back to one workgroup index.
fn flat_workgroup(wid: vec3u, nwg: vec3u) -> u32 {
  return wid.x + nwg.x * (wid.y + nwg.y * wid.z);
}

// WGSL may assume floats are finite, so `x != x` can be folded away: test the bits instead.
fn is_nan(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) > 0x7f800000u; }
fn is_inf(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) == 0x7f800000u; }
fn is_finite(x: f32) -> bool { return (bitcast<u32>(x) & 0x7fffffffu) < 0x7f800000u; }
