// The diagnosis rules on synthetic record sequences (no GPU): each rule fires on a sequence with
// its problem, stays quiet on a healthy one and on a converged one, respects the window's edges
// (a loss-trend rule needs a full window; a condition that stops holding clears), and a run the
// non-finite guard stopped is named where it stopped. The real-engine claims are in
// diagnosis-runs.test.ts and tests/lab/diagnosis-presets.test.ts.
import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../../src/engine/diagnostics';
import { Diagnoser, FINDING_KINDS, formatFinding, RULES, THRESHOLDS, type FindingKind } from '../../src/engine/diagnosis';
import { parseSpec } from '../../src/engine/spec';

const WEIGHTS = ['layers.0.weight', 'layers.2.weight', 'layers.4.weight'];
const mlp = (extra: Record<string, unknown> = {}, fn = 'sigmoid') => parseSpec({
  model: { input: 2, layers: [{ type: 'dense', units: 8 }, { type: 'activation', fn }, { type: 'dense', units: 8 }, { type: 'activation', fn }, { type: 'dense', units: 3 }] },
  data: { name: 'spiral', classes: 3 }, optimizer: { type: 'sgd', lr: 0.1 }, ...extra,
});
const rnn = (extra: Record<string, unknown> = {}) => parseSpec({
  model: { input: 2, layers: [{ type: 'rnn', units: 4 }, { type: 'dense', units: 1 }] }, loss: 'mse', data: { name: 'adding', seq_len: 5 }, ...extra,
});

interface Shape {
  loss: number;
  /** gradient norms of WEIGHTS, input to output */
  grads?: number[];
  update?: number;
  saturated?: number | null;
  dead?: number | null;
  hidden?: number[];
  nonFinite?: StepRecord['nonFinite'];
}

function record(step: number, s: Shape, weights = WEIGHTS): StepRecord {
  const grads = s.grads ?? [0.1, 0.2, 0.3];
  const act = (name: string) => ({ name, type: s.dead != null ? 'relu' : 'sigmoid', mean: 0, std: 1, min: 0, max: 1, saturated: s.saturated ?? null, dead: s.dead ?? null });
  return {
    step, loss: s.loss, accuracy: null, globalGradNorm: Math.hypot(...grads), logits: new Float32Array(0), histograms: [], nonFinite: s.nonFinite ?? null,
    params: weights.map((name, i) => ({ name, gradNorm: grads[i], weightNorm: 1, updateRatio: s.update ?? 1e-3 })),
    layers: [act('layers.1'), act('layers.3')],
    hiddenGradNorms: s.hidden ? [{ name: 'layers.0', norms: s.hidden }] : [],
  };
}

/** Feeds records at steps 1, 10, 20, ... (log_every 10) and returns the diagnoser. */
function run(spec = mlp(), n: number, shape: (i: number) => Shape, weights = WEIGHTS): Diagnoser {
  const d = new Diagnoser(spec, RULES, weights);
  for (let i = 0; i < n; i++) d.push(record(i === 0 ? 1 : 10 * i, shape(i), weights));
  return d;
}
const kinds = (d: Diagnoser) => d.current.map((f) => f.kind).sort();
const wiggle = (i: number) => 0.01 * Math.sin(i); // batch-loss noise

describe('diagnosis rules on synthetic records', () => {
  it('every kind has exactly one rule, and every threshold says where it comes from', () => {
    expect(RULES.map((r) => r.kind).sort()).toEqual([...FINDING_KINDS].sort());
    for (const t of Object.values(THRESHOLDS)) expect(t.source.length).toBeGreaterThan(2);
  });

  it('vanishing_gradients: fires on a stalled loss with the input side 8 orders below the output side', () => {
    const d = run(mlp(), 12, (i) => ({ loss: 1.1 + wiggle(i), grads: [1e-9, 1e-5, 0.3] }));
    expect(kinds(d)).toEqual(['vanishing_gradients']);
    const f = d.current[0];
    expect(f.severity).toBe('problem');
    expect(f.where).toEqual(['layers.0.weight', 'layers.2.weight']);
    expect(f.evidence).toMatch(/layers\.0\.weight's gradient norm is 1\.0e-9, layers\.4\.weight's is 3\.0e-1: 8 orders/);
    expect(f.evidence).toMatch(/baseline ln 3/);
    expect(f.advice.map((a) => a.text)).toContain('switch activation to relu with he_normal init');
    expect(formatFinding(f).split('\n')[0]).toBe('vanishing_gradients (problem, since step 1): layers.0.weight, layers.2.weight');
  });

  it('vanishing_gradients: quiet while the loss falls, once converged, and on a flat profile', () => {
    const falling = run(mlp(), 12, (i) => ({ loss: 1.1 * 0.9 ** i, grads: [1e-9, 1e-5, 0.3] }));
    expect(kinds(falling)).toEqual([]);
    const converged = run(mlp(), 12, () => ({ loss: 0.01, grads: [1e-9, 1e-7, 1e-5] })); // gradients shrink as the loss goes to 0
    expect(kinds(converged)).toEqual([]);
    const flat = run(mlp(), 12, (i) => ({ loss: 1.1 + wiggle(i), grads: [2e-3, 3e-3, 4e-3] })); // small but even: slow, not vanishing
    expect(kinds(flat)).toEqual([]);
  });

  it('window edges: a loss-trend rule waits for a full window, and a finding clears when its condition stops', () => {
    const early = run(mlp(), 5, (i) => ({ loss: 1.1 + wiggle(i), grads: [1e-9, 1e-5, 0.3] })); // steps 1-40: not a full window
    expect(kinds(early)).toEqual([]);
    const d = run(mlp(), 30, (i) => (i < 15 ? { loss: 1.1 + wiggle(i), grads: [1e-9, 1e-5, 0.3] } : { loss: 1.1 * 0.9 ** (i - 15), grads: [0.1, 0.2, 0.3] }));
    expect(kinds(d)).toEqual([]);
    expect(d.history).toEqual([{ kind: 'vanishing_gradients', since_step: 1, until_step: expect.any(Number) }]);
    expect(d.history[0].until_step!).toBeGreaterThan(140);
    expect(d.report().steps_seen).toBe(290);
  });

  it('sparse logging widens the window to hold enough records', () => {
    const d = new Diagnoser(mlp({ log_every: 50 }), RULES, WEIGHTS);
    for (let i = 0; i < 6; i++) d.push(record(i === 0 ? 1 : 50 * i, { loss: 1.1 + wiggle(i), grads: [1e-9, 1e-5, 0.3] }));
    expect(kinds(d)).toEqual(['vanishing_gradients']);
    expect(d.current[0].evidence).toMatch(/over steps 1-250/);
  });

  it('exploding_gradients: a steep profile toward the input (clipping off), or a loss that diverged', () => {
    const steep = run(mlp(), 3, () => ({ loss: 1.3, grads: [100, 1, 0.5] }));
    expect(kinds(steep)).toEqual(['exploding_gradients']);
    expect(steep.current[0].evidence).toMatch(/200x layers\.4\.weight's/);
    expect(steep.current[0].advice.map((a) => a.text)).toContain('clip.global_norm 1');
    expect(kinds(run(mlp({ clip: { global_norm: 1 } }), 3, () => ({ loss: 1.3, grads: [100, 1, 0.5] })))).toEqual([]);
    const diverged = run(mlp(), 12, (i) => ({ loss: i < 2 ? 1.2 : 50 * (1 + i), grads: [3, 2, 1] }));
    expect(kinds(diverged)).toContain('exploding_gradients');
    expect(diverged.current.find((f) => f.kind === 'exploding_gradients')!.evidence).toMatch(/up from 1\.200 at step 1/);
    // Starting high and coming down (a large init that training fixes) is not divergence.
    expect(kinds(run(mlp(), 12, (i) => ({ loss: 40 / (1 + i), grads: [3, 2, 1] })))).toEqual([]);
  });

  it('non_finite: names where the guard stopped the run and the step, from that step on', () => {
    const d = run(mlp(), 4, (i) => (i < 3 ? { loss: 5 } : { loss: NaN, grads: [NaN, NaN, NaN], nonFinite: { step: 27, where: 'output of layers.2 (dense)' } }));
    expect(kinds(d)).toEqual(['non_finite']);
    expect(d.current[0]).toMatchObject({ since_step: 27, where: ['output of layers.2 (dense)'] });
    expect(d.current[0].evidence).toMatch(/stopped at step 27.*at step 20 the loss was 5\.00/);
  });

  it('saturated_units and dead_units: more than half saturated / at least 70% dead, as a window median', () => {
    expect(kinds(run(mlp(), 6, () => ({ loss: 0.5, saturated: 0.8 })))).toEqual(['saturated_units']);
    expect(kinds(run(mlp(), 6, () => ({ loss: 0.5, saturated: 0.3 })))).toEqual([]);
    expect(kinds(run(mlp(), 6, (i) => ({ loss: 0.5, saturated: i === 5 ? 0.9 : 0.1 })))).toEqual([]); // one spike
    const relu = mlp({}, 'relu');
    expect(kinds(run(relu, 6, () => ({ loss: 1.1, dead: 0.75 })))).toEqual(['dead_units']);
    expect(kinds(run(relu, 6, () => ({ loss: 1.1, dead: 0.4 })))).toEqual([]);
    expect(kinds(run(relu, 4, () => ({ loss: 1.1, dead: 0.9 })))).toEqual([]); // too few records yet
  });

  it('tiny_updates and large_updates: weights that barely move while stalled, or move by a tenth of themselves', () => {
    const tiny = run(mlp({ optimizer: { type: 'sgd', lr: 1e-5 } }), 12, (i) => ({ loss: 1.15 + wiggle(i), update: 1e-6 }));
    expect(kinds(tiny)).toEqual(['tiny_updates']);
    expect(tiny.current[0].advice[0]).toMatchObject({ change: { lrFactor: 1000 }, text: expect.stringMatching(/^raise the learning rate 1000x \(lr 0\.00001 → 0\.01\)/) });
    expect(kinds(run(mlp(), 12, () => ({ loss: 0.001, update: 1e-6 })))).toEqual([]); // converged: done, not stuck
    expect(kinds(run(mlp(), 12, (i) => ({ loss: 0.5 + wiggle(i), update: 0.3 })))).toEqual(['large_updates']);
    expect(kinds(run(mlp(), 12, (i) => ({ loss: 0.5 + wiggle(i), update: i < 3 ? 0.5 : 0.01 })))).toEqual([]); // only the first steps
  });

  it('vanishing_through_time: ‖∂L/∂h_0‖ far below ‖∂L/∂h_T‖ while the loss stays near 1/6; quiet once it learns', () => {
    const w = ['layers.0.weight_ih_l0', 'layers.0.weight_hh_l0', 'layers.1.weight'];
    const stuck = run(rnn(), 12, (i) => ({ loss: 0.165 + wiggle(i) / 10, hidden: [1e-9, 1e-6, 1e-3, 0.2] }), w);
    expect(kinds(stuck)).toEqual(['vanishing_through_time']);
    expect(stuck.current[0].where).toEqual(['layers.0']);
    expect(stuck.current[0].advice[0]).toMatchObject({ text: expect.stringMatching(/^use lstm/), change: { cell: 'lstm' } });
    expect(kinds(run(rnn(), 12, () => ({ loss: 0.01, hidden: [1e-9, 1e-6, 1e-3, 0.2] }), w))).toEqual([]);
    expect(kinds(run(rnn(), 12, () => ({ loss: 0.165, hidden: [0.05, 0.1, 0.15, 0.2] }), w))).toEqual([]);
  });

  it('exploding_through_time: the gradient growing back through time, clipping off', () => {
    const w = ['layers.0.weight_ih_l0', 'layers.0.weight_hh_l0', 'layers.1.weight'];
    const grow = () => ({ loss: 0.3, hidden: [30, 5, 1, 0.5] });
    expect(kinds(run(rnn(), 6, grow, w))).toEqual(['exploding_through_time']);
    expect(kinds(run(rnn({ clip: { global_norm: 1 } }), 6, grow, w))).toEqual([]);
  });

  it('a healthy sequence gets no finding', () => {
    const d = run(mlp({}, 'tanh'), 30, (i) => ({ loss: 1.1 * 0.95 ** i, grads: [0.2, 0.3, 0.25], update: 2e-3, saturated: 0.05 }));
    expect(d.history).toEqual([]);
    expect(d.report()).toEqual({ findings: [], history: [], steps_seen: 290 });
  });
});

// Keep the kinds list and the type in step (a kind without a rule fails the first test).
const _kinds: FindingKind[] = [...FINDING_KINDS];
void _kinds;
