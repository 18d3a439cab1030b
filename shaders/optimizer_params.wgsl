// The uniform of every optimizer kernel (optimizers.wgsl, optimizers_vec4.wgsl), filled per step
// by src/kernels/optimizers.ts; n counts scalar parameters.
struct Params {
  n: u32, nesterov: u32, lr: f32, weight_decay: f32,
  beta1: f32, beta2: f32, eps: f32, momentum: f32,
  bias_correction1: f32, bias_correction2: f32, clip_value: f32, alpha: f32,
}
