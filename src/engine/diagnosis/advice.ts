// The mitigations each finding suggests, chosen from the run's settings (never one already in
// use). An advice item carries a `change` only when it is one setting away and a test applies it
// to a run with the finding and sees the finding gone (tests/lab/diagnosis-runs.test.ts,
// tests/lab/diagnosis-advice.test.ts); the others are sentences.
import type { Advice, RunFacts } from './index';

export const DEMO = {
  glorot: 'Glorot vs standard init (deep sigmoid/tanh)',
  he: 'He vs Glorot init (30-layer ReLU)',
  batchnorm: 'Batch norm in a deep sigmoid net',
  residual: 'Plain vs residual (depth 32, batch norm)',
  clipping: 'Exploding gradients and clipping',
  gated: 'tanh RNN vs LSTM vs GRU (adding problem, T = 100)',
  rnnClipping: 'RNN with and without clipping (exploding)',
  weightNorm: 'Weight norm vs batch norm (deep tanh)',
} as const;

const reluFamily = (f: RunFacts) => f.activations.some((a) => a === 'relu' || a === 'leaky_relu' || a === 'elu' || a === 'gelu' || a === 'silu');
const fmtLr = (lr: number) => Number(lr.toPrecision(2)).toString();

function initAdvice(f: RunFacts): Advice[] {
  const out: Advice[] = [];
  if (reluFamily(f) && !f.inits.every((i) => i === 'he_normal' || i === 'he_uniform')) {
    out.push({ text: 'use he_normal init (variance 2/fan_in keeps a ReLU net\'s signal from halving per layer)', change: { init: 'he_normal' }, preset: DEMO.he });
  }
  if (!reluFamily(f) && f.activations.includes('tanh') && !f.inits.every((i) => i.startsWith('glorot'))) {
    out.push({ text: 'use glorot_uniform init', change: { init: 'glorot_uniform' }, preset: DEMO.glorot });
  }
  return out;
}

export function vanishingAdvice(f: RunFacts): Advice[] {
  const out: Advice[] = [];
  if (f.activations.includes('sigmoid')) {
    out.push({ text: 'switch activation to relu with he_normal init', change: { activation: 'relu', init: 'he_normal' }, preset: DEMO.he });
    out.push({ text: 'switch activation to tanh with glorot_uniform init', change: { activation: 'tanh', init: 'glorot_uniform' }, preset: DEMO.glorot });
  }
  out.push(...initAdvice(f));
  if (!f.norm) out.push({ text: 'add batchnorm before each activation', change: { norm: 'batch' }, preset: DEMO.batchnorm });
  if (!f.residual && f.denseLayers > 8) out.push({ text: 'add residual connections', preset: DEMO.residual });
  return out;
}

/** `steepDepth`: the input side's gradient far above the output side's (residual blocks even it out). */
export function explodingAdvice(f: RunFacts, steepDepth: boolean): Advice[] {
  const out: Advice[] = [];
  if (!f.clip) out.push({ text: 'clip.global_norm 1', change: { clip: 1 }, preset: f.cells.length ? DEMO.rnnClipping : DEMO.clipping });
  out.push({ text: `lower the learning rate 10x (lr ${fmtLr(f.lr)} → ${fmtLr(f.lr / 10)})` });
  if (f.normalStd !== null && f.normalStd > 0.2) out.push({ text: `use he_normal (ReLU) or glorot_uniform (tanh) init instead of normal with std ${f.normalStd}`, preset: DEMO.clipping });
  if (steepDepth && !f.residual && !f.cells.length) out.push({ text: 'add residual connections', preset: DEMO.residual });
  if (f.cells.includes('rnn')) out.push({ text: 'use lstm (or gru)', preset: DEMO.gated });
  return out;
}

export function saturationAdvice(f: RunFacts): Advice[] {
  const out = f.normalStd !== null
    ? [{ text: `lower the init std (now ${f.normalStd}) or use glorot_uniform init`, change: { init: 'glorot_uniform' }, preset: DEMO.glorot } satisfies Advice]
    : initAdvice(f);
  if (!f.norm) out.push({ text: 'add batchnorm before each activation', preset: DEMO.batchnorm });
  return out;
}

export function deadAdvice(f: RunFacts): Advice[] {
  const out: Advice[] = [];
  if (f.lr >= 0.03) out.push({ text: `lower the learning rate 10x (lr ${fmtLr(f.lr)} → ${fmtLr(f.lr / 10)}): large steps push ReLUs where they never fire again`, change: { lrFactor: 0.1 } });
  out.push(...initAdvice(f));
  if (!f.activations.includes('leaky_relu')) out.push({ text: 'switch activation to leaky_relu (a dead unit still gets a gradient)' });
  return out;
}

/** Below this learning rate, tiny updates are the learning rate's doing (SGD at 1e-5 measured ~1e-6). */
const LOW_LR = 1e-2;

/**
 * `largest`: the largest ‖ΔW‖/‖W‖ seen; a too-low learning rate is raised by the power of ten that
 * brings it to ~1e-3 (the step grows with the learning rate).
 */
export function tinyUpdateAdvice(f: RunFacts, smallGradients: boolean, largest: number): Advice[] {
  if (smallGradients) return [{ text: 'the gradients themselves are tiny: fix what shrinks them (see vanishing_gradients)' }, ...vanishingAdvice(f)];
  if (f.lr < LOW_LR) {
    const factor = 10 ** Math.min(4, Math.max(1, Math.ceil(Math.log10(1e-3 / largest))));
    return [{ text: `raise the learning rate ${factor}x (lr ${fmtLr(f.lr)} → ${fmtLr(f.lr * factor)}) to bring ‖ΔW‖/‖W‖ from ${largest.toExponential(0)} to ~1e-3`, change: { lrFactor: factor } }];
  }
  // A usable learning rate and gradients, yet small steps: the init keeps the signal small (tanh
  // with the "standard" init; 10x the lr there only trades this for large_updates).
  const out = initAdvice(f);
  if (!f.norm) out.push({ text: 'add batchnorm before each activation', change: { norm: 'batch' }, preset: DEMO.batchnorm });
  out.push({ text: 'weight norm with the data-dependent init (normalisation weight_data)', preset: DEMO.weightNorm });
  return out;
}

export function largeUpdateAdvice(f: RunFacts): Advice[] {
  const out: Advice[] = [{ text: `lower the learning rate 10x (lr ${fmtLr(f.lr)} → ${fmtLr(f.lr / 10)})`, change: { lrFactor: 0.1 } }];
  if (!f.clip) out.push({ text: 'clip.global_norm 1', preset: f.cells.length ? DEMO.rnnClipping : DEMO.clipping });
  return out;
}

export function timeVanishingAdvice(f: RunFacts): Advice[] {
  const out: Advice[] = [];
  if (f.cells.includes('rnn')) {
    out.push({ text: 'use lstm: its cell state carries the gradient back through time', change: { cell: 'lstm' }, preset: DEMO.gated });
    out.push({ text: 'use gru', preset: DEMO.gated });
    out.push({ text: 'orthogonal or identity recurrent init (weight_hh_l0) with clipping' });
  } else {
    out.push({ text: 'shorter sequences, or train longer: a gated cell can learn to carry the gradient (its loss falls once it does)' });
  }
  return out;
}

export function timeExplodingAdvice(f: RunFacts): Advice[] {
  const out: Advice[] = [];
  if (!f.clip) out.push({ text: 'clip.global_norm 1', preset: DEMO.rnnClipping });
  out.push({ text: 'a recurrent init of spectral radius at most 1 (orthogonal), or use lstm' });
  return out;
}
