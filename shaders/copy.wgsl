// Copies n 32-bit words between (possibly offset) ranges, whatever the dtype (f32, i32, u32).
override WG: u32 = 256;

struct Params { n: u32, dst_offset: u32, src_offset: u32 }

@group(0) @binding(0) var<storage, read_write> dst: array<u32>;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<uniform> p: Params;

// dst[dst_offset + i] = src[src_offset + i]
@compute @workgroup_size(WG)
fn copy(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  if (i < p.n) { dst[p.dst_offset + i] = src[p.src_offset + i]; }
}

// Batch gather: dst[r, :] = src[index[r], :] for r < rows, rows of `width` words.
struct GatherParams { rows: u32, width: u32 }
@group(0) @binding(3) var<storage, read> index: array<u32>;
@group(0) @binding(4) var<uniform> gp: GatherParams;

@compute @workgroup_size(WG)
fn gather_rows(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  if (i >= gp.rows * gp.width) { return; }
  let r = i / gp.width;
  dst[i] = src[index[r] * gp.width + (i - r * gp.width)];
}

// gather_rows for rows of a multiple of 4 words, a vec4 per invocation: on lavapipe every load
// and store runs once per lane whatever its width (784-wide rows: a quarter of the accesses).
@group(0) @binding(5) var<storage, read_write> dst4: array<vec4u>;
@group(0) @binding(6) var<storage, read> src4: array<vec4u>;

@compute @workgroup_size(WG)
fn gather_rows4(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  let w = gp.width / 4u;
  if (i >= gp.rows * w) { return; }
  let r = i / w;
  dst4[i] = src4[index[r] * w + (i - r * w)];
}
