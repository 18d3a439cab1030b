// One-click classic experiments: each sets up compare mode and says what to expect.
import { DEFAULTS, type Settings } from './settings';

export interface Preset {
  name: string;
  paper: string;
  expect: string;
  runs: Partial<Settings>[];
}

const deep = { depth: 10, width: 32, optimizer: 'sgd', lrLog10: -1 } as const;

export const PRESETS: Preset[] = [
  {
    name: 'Glorot vs standard init (deep sigmoid)',
    paper: 'Glorot & Bengio 2010',
    expect: 'With the "standard" U(±1/√n) init the gradient shrinks by orders of magnitude toward the input; Glorot init keeps the layers far closer.',
    runs: [{ ...deep, activation: 'sigmoid', init: 'standard' }, { ...deep, activation: 'sigmoid', init: 'glorot_uniform' }],
  },
  {
    name: 'He vs Glorot init (30-layer ReLU)',
    paper: 'He et al. 2015',
    expect: 'Glorot init halves the signal variance at every ReLU layer, so 30 layers down the gradient has vanished; He init keeps it level.',
    runs: [{ depth: 30, width: 32, activation: 'relu', init: 'glorot_normal', optimizer: 'sgd', lrLog10: -2 }, { depth: 30, width: 32, activation: 'relu', init: 'he_normal', optimizer: 'sgd', lrLog10: -2 }],
  },
  {
    name: 'Batch norm in a deep sigmoid net',
    paper: 'Ioffe & Szegedy 2015',
    expect: 'Without normalisation the deep sigmoid net barely moves; with batch norm every layer gets a usable gradient and the loss falls.',
    runs: [{ ...deep, depth: 15, activation: 'sigmoid', init: 'standard' }, { ...deep, depth: 15, activation: 'sigmoid', init: 'standard', norm: 'batch' }],
  },
  {
    name: 'Plain vs residual (depth 32)',
    paper: 'He et al. 2016',
    expect: 'The plain 32-layer net trains slowly with gradients fading toward the input; skip connections carry the gradient straight through.',
    runs: [{ depth: 32, width: 32, activation: 'relu', init: 'he_normal', optimizer: 'sgd', lrLog10: -2 }, { depth: 32, width: 32, activation: 'relu', init: 'he_normal', optimizer: 'sgd', lrLog10: -2, residual: true }],
  },
  {
    name: 'Exploding gradients and clipping',
    paper: 'Pascanu et al. 2013',
    expect: 'A large init (normal, std 1.5) makes gradients explode and training diverge; clipping the global norm at 1 keeps the steps bounded.',
    runs: [{ depth: 8, width: 32, activation: 'tanh', init: 'normal', initStd: 1.5, optimizer: 'sgd', lrLog10: -1 }, { depth: 8, width: 32, activation: 'tanh', init: 'normal', initStd: 1.5, optimizer: 'sgd', lrLog10: -1, clip: 1 }],
  },
];

export function presetSettings(p: Preset): Settings[] {
  return p.runs.map((r) => ({ ...DEFAULTS, ...r }) as Settings);
}
