// The uniform of every optimizer kernel (optimizers.wgsl, optimizers_vec4.wgsl), filled per step
// by src/kernels/optimizers.ts; n counts scalar parameters. Also the SAVE switch both share.
struct Params {
  n: u32, nesterov: u32, lr: f32, weight_decay: f32,
  beta1: f32, beta2: f32, eps: f32, momentum: f32,
  bias_correction1: f32, bias_correction2: f32, clip_value: f32, alpha: f32,
}
// On a diagnostics step the update's size ‖θ_after − θ_before‖ is wanted: with SAVE = 1 each
// kernel also writes the parameters as it reads them to its `before` binding (skipped updates
// too), instead of a copy of the whole buffer ahead of the update. With SAVE = 0 nothing is.
override SAVE: u32 = 0u;
