// optimizer_norms.wgsl's accessors over optimizers.wgsl's scalar bindings: vec4 q is parameters
// 4q .. 4q + 3 (those past n read as 0 and are not written); KIND picks the update.
fn read4(q: u32) -> vec4f {
  var theta = vec4f();
  for (var j = 0u; j < 4u; j++) { if (4u * q + j < p.n) { theta[j] = param[4u * q + j]; } }
  return theta;
}

fn update_at(i: u32, theta: f32) -> f32 {
  switch KIND {
    case 0u: { return sgd_update(i, theta); }
    case 1u: { return adam_update(i, theta); }
    default: { return rmsprop_update(i, theta); }
  }
}

fn update4(q: u32, theta: vec4f) -> vec4f {
  var after = theta;
  for (var j = 0u; j < 4u; j++) { if (4u * q + j < p.n) { after[j] = update_at(4u * q + j, theta[j]); } }
  return after;
}

fn write4(q: u32, theta: vec4f) {
  for (var j = 0u; j < 4u; j++) { if (4u * q + j < p.n) { param[4u * q + j] = theta[j]; } }
}
