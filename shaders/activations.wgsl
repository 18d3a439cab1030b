// Elementwise activations y = act(x) and their gradients over n elements, one invocation per
// element; the function is the ACT override of activation_fns.wgsl (one pipeline per function).
// Bindings: outputs, then inputs, then the uniform params last.
override WG: u32 = 256;

struct Params { n: u32 }

@group(0) @binding(0) var<storage, read_write> out: array<f32>; // y (forward) or dx (backward)
@group(0) @binding(1) var<storage, read> dy: array<f32>;
@group(0) @binding(2) var<storage, read> x: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn index(wid: vec3u, nwg: vec3u, lid: u32) -> u32 { return flat_workgroup(wid, nwg) * WG + lid; }

// y = act(x)
@compute @workgroup_size(WG)
fn activation_forward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, nwg, lid);
  if (i < p.n) { out[i] = activate(x[i]); }
}

// dx = dy ⊙ act'(x)   (=). act' is computed from x alone (accurate in saturated tails), so y is
// not read: one stream less.
@compute @workgroup_size(WG)
fn activation_backward(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = index(wid, nwg, lid);
  if (i < p.n) { out[i] = dy[i] * activate_grad(x[i], 0.0); }
}
