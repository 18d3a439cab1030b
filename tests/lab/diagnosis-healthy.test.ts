// No false alarms: healthy runs across the lab's data sets, activations, normalisations and cells
// get no finding at any point over 300 steps (real engine, lab specs, seed 1, records every 10
// steps). Each learns: its last records' loss is below 70% of the task's baseline (ln C).
import { describe, expect, it } from 'vitest';
import { runFacts } from '../../src/engine/diagnosis';
import { DEFAULTS, settingsToSpec, type Settings } from '../../src/lab/ui/settings';
import { useGpu } from '../gpu';
import { diagnose } from './diagnose';

const HEALTHY: [string, Partial<Settings>][] = [
  ['the default (10-layer tanh, Glorot, Adam) on the spiral', {}],
  ['ReLU/He, 3 layers of 64, on Fashion-MNIST', { dataset: 'fashion_mnist', depth: 3, width: 64, activation: 'relu', init: 'he_normal' }],
  ['sigmoid/Glorot under Adam on moons', { dataset: 'moons', depth: 3, activation: 'sigmoid', init: 'glorot_uniform', lrLog10: -2 }],
  ['GELU on xor', { dataset: 'xor', depth: 2, activation: 'gelu', init: 'he_normal' }],
  ['ReLU + batch norm, 6 layers, on the checkerboard', { dataset: 'checkerboard', depth: 6, activation: 'relu', init: 'he_normal', norm: 'batch' }],
  ['an LSTM on the memory task (T = 10)', { dataset: 'memory', cell: 'lstm', seqLen: 10 }],
  ['a GRU on the temporal-order task (T = 10)', { dataset: 'temporal_order', cell: 'gru', seqLen: 10 }],
];

describe('diagnosis: no finding on healthy runs', () => {
  const gpu = useGpu();
  it.each(HEALTHY)("%s", async (_, s) => {
    const settings = { ...DEFAULTS, ...s };
    const losses: number[] = [];
    const d = await diagnose(gpu(), settings, 300, (r) => losses.push(r.loss));
    expect(d.history).toEqual([]);
    expect(d.stepsSeen).toBe(300);
    const baseline = runFacts(settingsToSpec(settings)).baseline!;
    const tail = losses.slice(-5).reduce((a, b) => a + b, 0) / 5;
    expect(tail).toBeLessThan(0.7 * baseline);
  });
});
