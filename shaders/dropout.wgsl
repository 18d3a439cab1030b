// Inverted dropout with a counter-based hash instead of a stored mask: forward and backward
// recompute the same keep decision from (seed, element index), so nothing is kept between them.
override WG: u32 = 256;

struct Params { n: u32, seed: u32, p: f32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> inp: array<f32>;
@group(0) @binding(2) var<uniform> params: Params;

// PCG-style integer hash (Jarzynski & Olano 2020): well mixed, cheap, same on every GPU.
fn pcg_hash(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

// keep with probability 1 - p: uniform in [0, 1) from 24 hashed bits
fn keep_scale(i: u32) -> f32 {
  let u = f32(pcg_hash(i ^ pcg_hash(params.seed)) >> 8u) * (1.0 / 16777216.0);
  return select(0.0, 1.0 / (1.0 - params.p), u >= params.p);
}

// y = x · keep(i) / (1 - p)
@compute @workgroup_size(WG)
fn dropout_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  if (i < params.n) { out[i] = inp[i] * keep_scale(i); }
}

// dx = dy · keep(i) / (1 - p)   (=)
@compute @workgroup_size(WG)
fn dropout_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  if (i < params.n) { out[i] = inp[i] * keep_scale(i); }
}
