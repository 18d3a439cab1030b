// Each diagnosis rule on the real engine: a small run that has the problem gets the finding, and
// every advice item that carries a change (a "Try this" button in the lab) is applied to that run
// with applyChange, trained again on the same seed, and must not get the finding. Rules the
// presets cover are in diagnosis-presets.test.ts, the presets' own Try-this changes in
// diagnosis-advice.test.ts. Lab specs (settingsToSpec, seed 1), records every 10 steps; figures
// measured on lavapipe in the comments.
import { describe, expect, it } from 'vitest';
import type { FindingKind } from '../../src/engine/diagnosis';
import { PRESETS, presetSettings } from '../../src/lab/ui/presets';
import { applyChange } from '../../src/lab/ui/diagnosis';
import { DEFAULTS, type Settings } from '../../src/lab/ui/settings';
import { useGpu } from '../gpu';
import { diagnose } from './diagnose';

const mlp = (s: Partial<Settings>): Settings => ({ ...DEFAULTS, depth: 6, ...s });
const adding = (s: Partial<Settings>): Settings => ({ ...DEFAULTS, dataset: 'adding', seqLen: 30, width: 16, batch: 32, optimizer: 'adam', lrLog10: -2, ...s });

describe('diagnosis rules on the real engine', () => {
  const gpu = useGpu();

  /** `s` gets `kind` at the end; each change its advice offers removes it. Returns how many changes were tried. */
  async function firesAndEachFixWorks(s: Settings, kind: FindingKind, steps: number): Promise<number> {
    const d = await diagnose(gpu(), s, steps);
    const f = d.current.find((x) => x.kind === kind);
    expect(f, `${kind} expected; got ${JSON.stringify(d.history)}`).toBeDefined();
    const changes = f!.advice.flatMap((a) => (a.change ? [a.change] : []));
    for (const c of changes) {
      const next = applyChange(s, c);
      expect(next, `${JSON.stringify(c)} changes a setting`).not.toBeNull();
      const fixed = await diagnose(gpu(), next!, steps);
      expect(fixed.history.filter((h) => h.kind === kind && h.until_step === null), `${kind} after ${JSON.stringify(c)}`).toEqual([]);
    }
    return changes.length;
  }

  it('saturated_units: tanh with normal(0, 1.5²) weights (~80% saturated) fires; glorot_uniform init is quiet', async () => {
    expect(await firesAndEachFixWorks(mlp({ activation: 'tanh', init: 'normal', initStd: 1.5, optimizer: 'sgd', lrLog10: -1 }), 'saturated_units', 120)).toBeGreaterThan(0);
  });

  it('dead_units: ReLU under Adam at lr 0.32 dies (100% of a layer); at lr 0.032 it does not', async () => {
    expect(await firesAndEachFixWorks(mlp({ activation: 'relu', init: 'he_normal', lrLog10: -0.5 }), 'dead_units', 120)).toBe(1);
  });

  it('tiny_updates: SGD at lr 1e-5 moves weights by ~1e-6 of themselves while the loss sits at 1.15; the advised lr 1e-2 is quiet', async () => {
    expect(await firesAndEachFixWorks(mlp({ activation: 'tanh', init: 'glorot_uniform', optimizer: 'sgd', lrLog10: -5 }), 'tiny_updates', 150)).toBe(1);
    const healthy = await diagnose(gpu(), mlp({ activation: 'relu', init: 'he_normal', lrLog10: -2.5 }), 300); // converges to loss ~0.003: done, not stuck
    expect(healthy.history).toEqual([]);
  });

  it('large_updates: the unclipped spectral-radius-1.5 RNN at lr 0.1 (median ΔW/W 0.19); lr 0.01 is quiet', async () => {
    const free = presetSettings(PRESETS.find((p) => p.name.startsWith('RNN with and without clipping'))!)[0];
    expect(await firesAndEachFixWorks(free, 'large_updates', 110)).toBe(1);
  });

  it('vanishing_through_time: a tanh RNN on the adding problem at T = 30 stays at the baseline; an LSTM learns and is quiet', async () => {
    expect(await firesAndEachFixWorks(adding({ cell: 'rnn' }), 'vanishing_through_time', 300)).toBe(1); // RNN ratio 1e-8..1e-6; LSTM 0.06+ and MSE 0.005
  });

  it('exploding_through_time: recurrent weights of spectral radius 1.5 under slow SGD; radius 1 (orthogonal) is quiet', async () => {
    const grow = await diagnose(gpu(), adding({ cell: 'rnn', recurrentInit: 'orthogonal', spectralRadius: 1.5, seqLen: 50, optimizer: 'sgd', lrLog10: -3, clip: 0 }), 60);
    expect(grow.current.map((f) => f.kind)).toContain('exploding_through_time'); // ‖∂L/∂h_0‖ ~30x ‖∂L/∂h_49‖
    const flat = await diagnose(gpu(), adding({ cell: 'rnn', recurrentInit: 'orthogonal', seqLen: 50, optimizer: 'sgd', lrLog10: -3, clip: 0 }), 60);
    expect(flat.history.map((h) => h.kind)).not.toContain('exploding_through_time');
  });
});
