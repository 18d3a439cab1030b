// Elementwise f32 kernels over n elements: one invocation per element, linear grid.
// Bindings: outputs, then inputs, then the uniform params last.
override WG: u32 = 256;

struct Params { n: u32, alpha: f32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn index(wid: vec3u, nwg: vec3u, lid: u32) -> u32 { return flat_workgroup(wid, nwg) * WG + lid; }

// out = a + alpha·b (alpha = 1 is add: exact; skip connections, optimizer steps)
@compute @workgroup_size(WG)
fn add_scaled(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, nwg, lid);
  if (i < p.n) { out[i] = a[i] + p.alpha * b[i]; }
}

// out = alpha·a
@compute @workgroup_size(WG)
fn scale(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, nwg, lid);
  if (i < p.n) { out[i] = p.alpha * a[i]; }
}

// In place (a binding cannot be read and written in one dispatch): out = out + alpha·b
@compute @workgroup_size(WG)
fn add_scaled_inplace(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, nwg, lid);
  if (i < p.n) { out[i] = out[i] + p.alpha * b[i]; }
}

// In place: out = alpha·out
@compute @workgroup_size(WG)
fn scale_inplace(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, nwg, lid);
  if (i < p.n) { out[i] = p.alpha * out[i]; }
}

// out = alpha
@compute @workgroup_size(WG)
fn fill(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, nwg, lid);
  if (i < p.n) { out[i] = p.alpha; }
}
