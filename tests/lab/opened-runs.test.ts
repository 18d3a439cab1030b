// Runs opened from files in the lab (src/lab/ui/runs.ts): the weight tensors are those the file
// has histograms for, long files are thinned evenly for the charts (first and last kept), at most
// four are open, and each gets its own colour. No GPU: an opened run is records only.
import { describe, expect, it } from 'vitest';
import type { StepRecord } from '../../src/engine/diagnostics';
import { Lab, OPENED_COLORS, openedRun } from '../../src/lab/ui/runs';
import type { GpuContext } from '../../src/gpu/context';

const record = (step: number, histograms = ['a.weight', 'c.weight']): StepRecord => ({
  step, loss: 1, accuracy: null, globalGradNorm: 1, layers: [], nonFinite: null, logits: new Float32Array(0), hiddenGradNorms: [],
  params: ['a.weight', 'a.bias', 'b.weight', 'c.weight'].map((name) => ({ name, gradNorm: 1, weightNorm: 1, updateRatio: 0.1 })),
  histograms: histograms.map((name) => ({ name, counts: new Uint32Array(48) })),
});

describe('runs opened from files', () => {
  it('takes its weight tensors from the histograms (1-D tensors such as a batch norm weight have none)', () => {
    const run = openedRun('run.jsonl', [record(1)], '#000');
    expect(run.weights).toEqual([0, 3]);
    expect(run.paramNames).toEqual(['a.weight', 'a.bias', 'b.weight', 'c.weight']);
    expect(openedRun('run.jsonl', [record(1, [])], '#000').weights).toEqual([0, 2, 3]); // no histograms: all but biases
  });

  it('thins a long file evenly for the charts, keeping the first and the last record', () => {
    const run = openedRun('long.jsonl', Array.from({ length: 2500 }, (_, i) => record(i + 1)), '#000');
    expect(run.records.length).toBeLessThanOrEqual(1001);
    expect(run.records[0].step).toBe(1);
    expect(run.records.at(-1)!.step).toBe(2500);
    expect(new Set(run.records.slice(1, -1).map((r, i, a) => (i ? r.step - a[i - 1].step : 3)))).toEqual(new Set([3]));
  });

  it('opens at most four, each in its own colour, and marks a run with a non-finite record as stopped', () => {
    const lab = new Lab({} as GpuContext, () => {});
    for (let i = 0; i < 4; i++) lab.open(`r${i}.jsonl`, [record(1), { ...record(2), nonFinite: i === 2 ? { step: 2, where: 'x' } : null }]);
    expect(lab.opened.map((r) => r.color)).toEqual(OPENED_COLORS);
    expect(lab.opened.map((r) => r.stopped)).toEqual([false, false, true, false]);
    expect(() => lab.open('r4.jsonl', [record(1)])).toThrow(/at most 4 runs can be open from files/);
    expect(lab.chartRuns().map((r) => r.name)).toEqual(['r0.jsonl', 'r1.jsonl', 'r2.jsonl', 'r3.jsonl']);
    lab.closeOpened();
    expect(lab.chartRuns()).toEqual([]);
  });
});
