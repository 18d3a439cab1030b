// Specs shared by engine tests.

/** The example spec from the engine issue. */
export const EXAMPLE = {
  model: {
    input: 2,
    layers: [
      { type: 'dense', units: 64, init: 'he_normal', bias: true },
      { type: 'batchnorm' },
      { type: 'activation', fn: 'relu' },
      { type: 'residual', layers: [{ type: 'dense', units: 64 }, { type: 'activation', fn: 'tanh' }] },
      { type: 'dense', units: 3 },
    ],
  },
  loss: 'cross_entropy',
  optimizer: { type: 'adam', lr: 0.001 },
  clip: { global_norm: 1.0 },
  data: { name: 'spiral', classes: 3, samples: 2000 },
  batch_size: 64,
  steps: 2000,
  seed: 42,
};
