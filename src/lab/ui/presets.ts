// One-click classic experiments: each sets up compare mode and says, in one sentence, what to
// expect. The sentences are checked against the real engine by tests/lab/presets.test.ts (seed 1,
// the spiral), so a change to a preset or the engine that makes one untrue fails a test.
import { DEFAULTS, type Settings } from './settings';

export interface Preset {
  name: string;
  paper: string;
  expect: string;
  runs: Partial<Settings>[];
}

const sgd = (lrLog10: number) => ({ optimizer: 'sgd', lrLog10 }) as const;

export const PRESETS: Preset[] = [
  {
    name: 'Glorot vs standard init (deep sigmoid/tanh)',
    paper: 'Glorot & Bengio 2010',
    expect: 'Sigmoid with the "standard" U(±1/√n) init loses about seven orders of magnitude of gradient from the last hidden layer to the first; tanh with that init keeps the slope flat but every gradient is small and it learns slowly; tanh with Glorot init has gradients tens of times larger at every depth and learns fastest.',
    runs: [
      { depth: 10, activation: 'sigmoid', init: 'standard', ...sgd(-1) },
      { depth: 10, activation: 'tanh', init: 'standard', ...sgd(-1) },
      { depth: 10, activation: 'tanh', init: 'glorot_uniform', ...sgd(-1) },
    ],
  },
  {
    name: 'He vs Glorot init (30-layer ReLU)',
    paper: 'He et al. 2015',
    expect: 'With Glorot init every ReLU halves the signal\'s variance, so 30 layers deep the gradients are around 1e-6 and the loss stays at ln 3 ≈ 1.10; He init doubles the weight variance to make up for it, gradients stay near 0.1-1 and the net learns.',
    runs: [
      { depth: 30, activation: 'relu', init: 'glorot_normal', ...sgd(-2) },
      { depth: 30, activation: 'relu', init: 'he_normal', ...sgd(-2) },
    ],
  },
  {
    name: 'Batch norm in a deep sigmoid net',
    paper: 'Ioffe & Szegedy 2015',
    expect: 'Without normalisation the 15-layer sigmoid net\'s gradient falls by about ten orders of magnitude toward the input and the loss barely moves; with batch norm before each sigmoid every layer gets a usable gradient and the training loss falls.',
    runs: [
      { depth: 15, activation: 'sigmoid', init: 'standard', ...sgd(-1) },
      { depth: 15, activation: 'sigmoid', init: 'standard', norm: 'batch', ...sgd(-1) },
    ],
  },
  {
    name: 'Plain vs residual (depth 32, batch norm)',
    paper: 'He et al. 2016',
    expect: 'The plain 32-layer ReLU + batch-norm net starts with gradients hundreds of times larger at the input than at the output and trains slowly; with skip connections the gradient reaches every layer at a similar scale and the net fits the spiral.',
    runs: [
      { depth: 32, activation: 'relu', init: 'he_normal', norm: 'batch', ...sgd(-2) },
      { depth: 32, activation: 'relu', init: 'he_normal', norm: 'batch', residual: true, ...sgd(-2) },
    ],
  },
  {
    name: 'Weight norm vs batch norm (deep tanh)',
    paper: 'Salimans & Kingma 2016',
    expect: 'In this 10-layer tanh net with the small "standard" init, weight norm alone starts from the same weights (g = ‖v‖) and learns no faster: both stay near the ln 3 ≈ 1.10 loss of guessing for 150 SGD steps. With the paper\'s data-dependent init, which scales every layer to unit-variance pre-activations on one batch, the step-1 gradients are hundreds of times larger at every depth, as with batch norm, and the loss falls to about 0.5 within 150 steps, as fast as with batch norm or faster, for less work: weight norm adds two dispatches to a step whatever the depth, batch norm four per layer.',
    runs: (['none', 'weight', 'weight_data', 'batch'] as const).map((norm) => ({ depth: 10, activation: 'tanh', init: 'standard', norm, ...sgd(-1) })),
  },
  {
    name: 'Exploding gradients and clipping',
    paper: 'Pascanu et al. 2013',
    expect: 'With normal(0, 0.5²) weights each ReLU layer doubles the signal, the first gradients are in the tens and the unclipped run blows up to non-finite values within a few steps (the lab stops it and says where); clipping the global gradient norm at 1 bounds every step and the same net trains.',
    runs: [
      { depth: 8, activation: 'relu', init: 'normal', initStd: 0.5, ...sgd(-1) },
      { depth: 8, activation: 'relu', init: 'normal', initStd: 0.5, clip: 1, ...sgd(-1) },
    ],
  },
  {
    name: 'tanh RNN vs LSTM vs GRU (adding problem, T = 100)',
    paper: 'Hochreiter & Schmidhuber 1997; Cho et al. 2014',
    expect: 'At the start all three lose the gradient ‖∂L/∂h_t‖ back through the 100 steps (the tanh RNN\'s underflows to zero; the LSTM\'s open forget gate keeps about 1e-8 of it); the gated cells learn to carry it, and after about a thousand steps their MSE falls far below the 0.167 baseline of always guessing the mean, while the tanh RNN stays at the baseline.',
    runs: ['rnn', 'lstm', 'gru'].map((cell) => ({ dataset: 'adding', cell, seqLen: 100, width: 32, batch: 32, optimizer: 'adam', lrLog10: -2, clip: 1 }) as Partial<Settings>),
  },
  {
    name: 'RNN with and without clipping (exploding)',
    paper: 'Pascanu et al. 2013',
    expect: 'With recurrent weights of spectral radius 1.5 the gradient norm spikes into the hundreds or thousands and the unclipped SGD run bounces far above the 0.167 baseline; clipping the global norm at 1 keeps every step bounded and the loss comes down.',
    runs: [0, 1].map((clip) => ({ dataset: 'adding', cell: 'rnn', recurrentInit: 'orthogonal', spectralRadius: 1.5, seqLen: 50, width: 32, batch: 32, optimizer: 'sgd', lrLog10: -1, clip }) as Partial<Settings>),
  },
];

export function presetSettings(p: Preset): Settings[] {
  return p.runs.map((r) => ({ ...DEFAULTS, ...r }) as Settings);
}
