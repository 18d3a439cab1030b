// Every preset's problem run gets the finding its sentence describes, and its mitigated runs get
// none of the gradient findings at any point over the preset's steps (no false alarms): the real
// engine on the lab's own specs (settingsToSpec, seed 1; records every 10 steps), read by the same
// Diagnoser the lab's panel and the command line use. Measured on lavapipe in the comments.
import { describe, expect, it } from 'vitest';
import { DEMO } from '../../src/engine/diagnosis/advice';
import { GRADIENT_KINDS, type Diagnoser, type FindingKind } from '../../src/engine/diagnosis';
import { PRESETS, presetSettings } from '../../src/lab/ui/presets';
import { useGpu } from '../gpu';
import { diagnose } from './diagnose';

const STEPS = 150;
/** Recurrent presets (T = 50-100, the slow ones on lavapipe): just past the first full window. */
const RNN_STEPS = 110;

describe('diagnosis of the presets', () => {
  const gpu = useGpu();

  const runs = async (name: string, steps = STEPS, only?: number[]) => {
    const all = presetSettings(PRESETS.find((p) => p.name.startsWith(name))!);
    const out: Diagnoser[] = [];
    for (const [i, s] of all.entries()) if (!only || only.includes(i)) out.push(await diagnose(gpu(), s, steps));
    return out;
  };
  const now = (d: Diagnoser) => d.current.map((f) => f.kind);
  const ever = (d: Diagnoser) => d.history.map((h) => h.kind);
  const noGradientFinding = (d: Diagnoser) => expect(ever(d).filter((k: FindingKind) => GRADIENT_KINDS.includes(k))).toEqual([]);

  it('every preset an advice item links to exists', () => {
    for (const name of Object.values(DEMO)) expect(PRESETS.map((p) => p.name)).toContain(name);
  });

  it('Glorot vs standard: vanishing gradients in the sigmoid run, not in either tanh run; the Glorot run gets nothing', async () => {
    const [sigmoid, tanhStd, tanhGlorot] = await runs('Glorot vs standard');
    expect(now(sigmoid)).toContain('vanishing_gradients'); // 8 orders, loss 1.10 → 1.10
    expect(sigmoid.current.find((f) => f.kind === 'vanishing_gradients')!.where[0]).toBe('layers.0.weight');
    expect(ever(tanhStd)).not.toContain('vanishing_gradients'); // small but flat: slow, not vanishing
    expect(now(tanhStd)).toContain('tiny_updates'); // largest ΔW/W 6.8e-4 while the loss sits at 1.09-1.10
    noGradientFinding(tanhGlorot);
  });

  it('He vs Glorot at depth 30: the Glorot ReLU net vanishes and its updates are tiny; He gets nothing', async () => {
    const [glorot, he] = await runs('He vs Glorot', 200);
    expect(now(glorot)).toEqual(expect.arrayContaining(['vanishing_gradients', 'tiny_updates'])); // first/last 1.5e-4, ΔW/W ≤ 7e-7
    expect(glorot.current.find((f) => f.kind === 'vanishing_gradients')!.advice.map((a) => a.change)).toContainEqual({ init: 'he_normal' });
    noGradientFinding(he);
    expect(ever(he)).not.toContain('dead_units'); // at most 44% dead in a layer
  });

  it('batch norm: the plain sigmoid net vanishes, the batch-norm one gets nothing', async () => {
    const [plain, bn] = await runs('Batch norm');
    expect(now(plain)).toContain('vanishing_gradients'); // 13 orders
    noGradientFinding(bn);
  });

  it('weight norm vs batch norm: plain and weight norm alone make tiny updates at ln 3; data init and batch norm get nothing', async () => {
    const [plain, weight, data, batch] = await runs('Weight norm vs batch norm');
    expect(now(plain)).toContain('tiny_updates'); // 6.8e-4
    expect(now(weight)).toContain('tiny_updates'); // same weights as plain (g = ‖v‖)
    noGradientFinding(data);
    noGradientFinding(batch);
  });

  it('plain vs residual: the plain net starts with its input side far steeper (exploding across depth); residual gets nothing', async () => {
    const [plain, residual] = await runs('Plain vs residual');
    expect(plain.history.find((h) => h.kind === 'exploding_gradients')).toMatchObject({ since_step: 1 }); // 470x at step 1, clears by step ~20
    noGradientFinding(residual);
  });

  it('exploding: the unclipped run stops non-finite and the finding names where; the clipped run gets nothing', async () => {
    const [free, clipped] = await runs('Exploding');
    const f = free.current.find((x) => x.kind === 'non_finite')!;
    expect(f.where[0]).toMatch(/^(output|gradient) of layers\./); // output of layers.2 (dense) at step 5
    expect(f.advice.map((a) => a.change)).toContainEqual({ clip: 1 });
    noGradientFinding(clipped);
  });

  it('tanh RNN at T = 100: vanishing through time while the loss stays at the 1/6 baseline', async () => {
    // LSTM and GRU get the same finding at first (the preset's sentence says so) and need ~1,000
    // steps to learn to carry the gradient; their silence once learned is checked at T = 30 in
    // diagnosis-runs.test.ts.
    const [rnn] = await runs('tanh RNN vs LSTM vs GRU', RNN_STEPS, [0]);
    expect(now(rnn)).toContain('vanishing_through_time'); // ‖∂L/∂h_0‖/‖∂L/∂h_99‖ ~1e-9
  });

  it('RNN with and without clipping: the unclipped run explodes (loss far above its start and the baseline); clipped gets nothing', async () => {
    const [free, clipped] = await runs('RNN with and without clipping', RNN_STEPS);
    expect(ever(free)).toContain('exploding_gradients'); // median loss 3.6 vs start 0.60, baseline 0.167
    expect(ever(free)).toContain('large_updates'); // median max ΔW/W 0.19
    noGradientFinding(clipped);
  });
});
