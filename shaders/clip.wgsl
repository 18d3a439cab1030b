// Gradient clipping without a CPU round trip, and the non-finite guard of a training step.
override WG: u32 = 64;

struct GuardParams { tensors: u32, step: u32, max_norm: f32 }

@group(0) @binding(0) var<storage, read_write> scale: array<f32>;
@group(0) @binding(1) var<storage, read_write> flag: array<u32>;
@group(0) @binding(2) var<storage, read> sum_squares: array<f32>;
@group(0) @binding(3) var<uniform> gp: GuardParams;

var<workgroup> total: array<f32, 64>;
var<workgroup> bad: array<u32, 64>;

// From Σg² per parameter tensor: scale = min(1, max_norm/(√Σ + 1e-6)) (max_norm 0: 1), as
// torch.nn.utils.clip_grad_norm_. If any Σg² is not finite, scale = NaN (the optimizer then skips
// the step) and, the first time, flag = (step, 1 + highest such tensor index) (sticky).
@compute @workgroup_size(WG)
fn step_guard(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  var worst = 0u;
  for (var t = lid; t < gp.tensors; t += WG) {
    let v = sum_squares[t];
    if (is_finite(v)) { s += v; } else { worst = max(worst, t + 1u); }
  }
  total[lid] = s;
  bad[lid] = worst;
  workgroupBarrier();
  for (var k = 32u; k > 0u; k >>= 1u) {
    if (lid < k) { total[lid] += total[lid + k]; bad[lid] = max(bad[lid], bad[lid + k]); }
    workgroupBarrier();
  }
  if (lid != 0u) { return; }
  if (bad[0] != 0u) {
    scale[0] = bitcast<f32>(0x7fc00000u + min(gp.step, 0u)); // a runtime NaN: a constant one is rejected
    if (flag[0] == 0u) { flag[0] = gp.step; flag[1] = bad[0] - 1u; }
    return;
  }
  let norm = sqrt(total[0]);
  scale[0] = select(1.0, min(1.0, gp.max_norm / (norm + 1e-6)), gp.max_norm > 0.0);
  flag[2] = bitcast<u32>(norm); // the global gradient norm, for diagnostics
}

struct ApplyParams { n: u32, clip_value: f32 }
@group(0) @binding(4) var<storage, read_write> grads: array<f32>;
@group(0) @binding(5) var<storage, read> apply_scale: array<f32>;
@group(0) @binding(6) var<uniform> ap: ApplyParams;

// grads = clamp(scale·grads, ±clip_value) in place (clip_value 0: no clamp; NaN scale: unchanged)
@compute @workgroup_size(WG)
fn clip_apply(@builtin(workgroup_id) wid: vec3u, @builtin(num_workgroups) nwg: vec3u, @builtin(local_invocation_index) lid: u32) {
  let i = flat_workgroup(wid, nwg) * WG + lid;
  if (i >= ap.n || is_nan(apply_scale[0])) { return; }
  let g = grads[i] * apply_scale[0];
  grads[i] = select(g, clamp(g, -ap.clip_value, ap.clip_value), ap.clip_value > 0.0);
}
