// Every number the diagnosis rules compare against, in one table with where it comes from: a
// published tool's rule, a heuristic from the literature, or our own measurement on gradscope's
// presets (lavapipe, seed 1; the figures are in tests/lab/diagnosis-runs.test.ts and
// tests/lab/diagnosis-presets.test.ts, which hold the rules to them).

export interface Threshold {
  value: number;
  /** What the value means, in the words the README uses. */
  meaning: string;
  source: string;
}

export const THRESHOLDS = {
  ganConfidentFake: {
    value: 0.01,
    meaning: 'D rejects generated samples with confidence: median D(G(z)) in the G step below 1% (log losses)',
    source: 'Goodfellow et al. 2014 §3 (log(1 − D(G(z))) saturates early, when D rejects samples with high confidence); the saturating preset measures 1.6e-4',
  },
  ganCollapse: {
    value: 0.1,
    meaning: '‖∂L_G/∂G(z)‖ has collapsed when its window median is below 10% of the largest value the run has seen (on top of D(G(z)) < 1%, which alone makes the saturating gradient D/(1 − D) < 1% of the non-saturating one)',
    source: 'Arjovsky & Bottou 2017 Fig. 2 (orders of magnitude as D nears optimality); the saturating preset measures ~1e-2 of its peak, the optimal-D preset 2.7e-3 of its value at the freeze',
  },
  ganConfidentReal: {
    value: 0.95,
    meaning: 'D overpowers G when it scores real samples above 0.95 and generated ones below 0.05 (medians over the window)',
    source: 'ours: balanced runs on the ring sit at D(x) ≈ 0.5-0.7, D(G(z)) ≈ 0.3-0.5 (examples/gan-ring.json)',
  },
  windowSteps: {
    value: 100,
    meaning: 'steps of records a sustained condition must hold over (the loss-trend rules need the whole window)',
    source: 'ours: long enough to average the batch loss\'s noise, short enough to react within a preset\'s 150-200 steps',
  },
  minRecords: {
    value: 5,
    meaning: 'records a full window needs (at log_every 10, 50 steps; the lab logs every 5)',
    source: 'ours',
  },
  stalledImprovement: {
    value: 0.05,
    meaning: 'the loss is "not improving" when the window\'s second half is less than 5% below its first half',
    source: 'ours: stalled runs measured 0-3%, learning runs 10-60% per 100 steps',
  },
  stalledLevel: {
    value: 0.5,
    meaning: '... and still above half the task\'s baseline loss (ln C for C classes, 1/6 for the adding problem): a run below that has learned, and small gradients there mean "done", not "stuck"',
    source: 'ours: the converged ReLU/He nets sit at 0.3-3% of ln 3, the stalled ones at 95-110%',
  },
  vanishingRatio: {
    value: 1e-3,
    meaning: 'vanishing: first layer\'s gradient norm / last layer\'s below this in every record of the window',
    source: 'AUTOTRAINER (Zhang et al. 2021): first/last-layer gradient ratio < 1e-3',
  },
  vanishingFirstNorm: {
    value: 1e-4,
    meaning: '... and the first layer\'s gradient norm itself below this',
    source: 'AUTOTRAINER: ‖g_first‖ < 1e-4',
  },
  explodingRatio: {
    value: 70,
    meaning: 'exploding across depth: median first/last-layer gradient ratio above this over the records so far in the window (clipping off)',
    source: 'AUTOTRAINER: first/last-layer gradient ratio > 70',
  },
  divergedLoss: {
    value: 3,
    meaning: 'exploding (diverging): the window\'s median loss above 3x the baseline and above the run\'s first loss (clipping off)',
    source: 'ours: the unclipped spectral-radius-1.5 RNN measured 20x the baseline; clipped and healthy runs stay below 1.5x once past their first steps',
  },
  saturatedFraction: {
    value: 0.5,
    meaning: 'saturated units: a sigmoid/tanh layer with more than this fraction of outputs within 0.01 of a bound (median over the window)',
    source: 'SageMaker Debugger tanh/sigmoid saturation rule: more than half the units saturated',
  },
  deadFraction: {
    value: 0.7,
    meaning: 'dead units: a ReLU layer with at least this fraction of units zero for the whole batch (median over the window)',
    source: 'AUTOTRAINER dying-ReLU rule: >= 70% zero gradients; SageMaker dead-ReLU default',
  },
  tinyUpdate: {
    value: 1e-3,
    meaning: 'tiny updates: every weight tensor\'s ‖ΔW‖/‖W‖ below this in every record of the window, while the loss is not improving',
    source: 'the ~1e-3 of healthy training (Karpathy, CS231n). Ours: stalled runs measured 7e-4 (tanh, standard init) down to 1e-6 (lr 1e-5); learning runs 1e-3 to 4e-2. SageMaker uses 1e-8, below what float32 weights can resolve (~1e-7)',
  },
  largeUpdate: {
    value: 0.1,
    meaning: 'large updates: median over the window of the largest weight tensor\'s ‖ΔW‖/‖W‖ above this',
    source: 'two orders above ~1e-3 (CS231n); SageMaker\'s 10 is reached only after a run has blown up. Ours: healthy runs 1e-4 to 4e-2, the unclipped exploding RNN 0.19',
  },
  timeVanishingRatio: {
    value: 1e-3,
    meaning: 'vanishing through time: ‖∂L/∂h_0‖ / ‖∂L/∂h_T‖ below this in every record of the window, while the loss stays near the baseline',
    source: 'AUTOTRAINER\'s depth ratio applied to time steps; ours: tanh RNN at T = 30 measured 1e-8 to 5e-5, a learning LSTM 0.06-0.4',
  },
  timeExplodingRatio: {
    value: 10,
    meaning: 'exploding through time: median ‖∂L/∂h_0‖ / ‖∂L/∂h_T‖ above this over the window (clipping off)',
    source: 'ours: recurrent weights of spectral radius 1.5 give 30 at the start',
  },
} satisfies Record<string, Threshold>;

export const limit = (k: keyof typeof THRESHOLDS): number => THRESHOLDS[k].value;
