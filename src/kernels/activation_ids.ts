// Activation names (PyTorch's, as used in model specs) and their ids: the ACT override constant
// of shaders/activation_fns.wgsl.
export const ACTIVATIONS = {
  identity: 0,
  sigmoid: 1,
  tanh: 2,
  relu: 3,
  leaky_relu: 4, // negative slope 0.01
  elu: 5, // alpha 1
  selu: 6,
  gelu: 7, // exact, erf-based (PyTorch default)
  gelu_tanh: 8, // tanh approximation
  silu: 9,
  softplus: 10, // beta 1, threshold 20
  softsign: 11,
} as const;

export type Activation = keyof typeof ACTIVATIONS;

export function isActivation(name: unknown): name is Activation {
  return typeof name === 'string' && Object.hasOwn(ACTIVATIONS, name);
}
