// Reading a metrics.jsonl back (src/engine/runfile.ts), as the lab's "Open run…" does: lines as
// gradscope train writes them (JSON.stringify: null for non-finite numbers) and as
// python/gradscope_torch.py writes them (json.dumps spacing), unknown fields ignored, and every
// malformed line refused with its line number and the field, returning nothing.
import { describe, expect, it } from 'vitest';
import { HISTOGRAM } from '../../src/engine/diagnostics';
import { parseRunFile, RunFileError, RUNFILE_LIMITS } from '../../src/engine/runfile';

const counts = (hot: number) => Array.from({ length: HISTOGRAM.bins }, (_, b) => (b === hot ? 5 : 0));
const line = (step: number, extra: Record<string, unknown> = {}) => ({
  step, loss: 1 / step, accuracy: 0.5,
  params: [{ name: 'layers.0.weight', gradNorm: 0.5, weightNorm: 2, updateRatio: 0.01 }, { name: 'layers.0.bias', gradNorm: 0.1, weightNorm: 0.2, updateRatio: 1 }],
  globalGradNorm: Math.hypot(0.5, 0.1),
  layers: [{ name: 'layers.0', type: 'dense', mean: 0, std: 1, min: -2, max: 2, saturated: null, dead: null }, { name: 'layers.1', type: 'relu', mean: 0.4, std: 0.6, min: 0, max: 2, saturated: null, dead: 0.25 }],
  histograms: [{ name: 'layers.0.weight', counts: counts(30) }],
  nonFinite: null,
  hiddenGradNorms: [{ name: 'layers.0', norms: [0.1, 0.2, 0.4] }],
  ...extra,
});
const file = (...lines: unknown[]) => lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n') + '\n';
const refused = (text: string) => {
  try {
    parseRunFile(text);
  } catch (e) {
    expect(e).toBeInstanceOf(RunFileError);
    return (e as Error).message;
  }
  throw new Error('the file was accepted');
};

describe('run files (metrics.jsonl)', () => {
  it('reads every record of either writer, in order, with the fields the charts use', () => {
    const pythonStyle = JSON.stringify(line(10)).replace(/,"/g, ', "').replace(/":/g, '": '); // json.dumps's separators
    const records = parseRunFile(file(line(1), pythonStyle, '', line(20)));
    expect(records.map((r) => r.step)).toEqual([1, 10, 20]);
    const r = records[1];
    expect(r.loss).toBeCloseTo(0.1, 12);
    expect(r.params.map((p) => p.name)).toEqual(['layers.0.weight', 'layers.0.bias']);
    expect(r.layers[1]).toEqual({ name: 'layers.1', type: 'relu', mean: 0.4, std: 0.6, min: 0, max: 2, saturated: null, dead: 0.25 });
    expect(r.histograms[0].counts).toBeInstanceOf(Uint32Array);
    expect(r.histograms[0].counts[30]).toBe(5);
    expect(r.hiddenGradNorms[0].norms).toEqual([0.1, 0.2, 0.4]);
    expect(r.logits.length).toBe(0);
  });

  it('reads null as a non-finite value, ignores unknown fields and fills optional ones', () => {
    const [r] = parseRunFile(file({ step: 3, loss: null, accuracy: null, params: [{ name: 'w', gradNorm: null, weightNorm: 1, updateRatio: null }], futureField: { x: 1 } }));
    expect(r.loss).toBeNaN();
    expect(r.accuracy).toBeNull();
    expect(r.params[0].gradNorm).toBeNaN();
    expect(r.globalGradNorm).toBeNaN();
    expect(r.layers).toEqual([]);
    expect(r.histograms).toEqual([]);
    expect(r.nonFinite).toBeNull();
    expect('futureField' in r).toBe(false);
  });

  it.each([
    ['a line that is not JSON', file(line(1), '{"step": 2, "loss": 0.5', line(3)), /^line 2: not JSON/],
    ['a line that is not an object', file(line(1), '[1, 2]'), /^line 2: the line: expected an object, got an array of 2$/],
    ['a missing step', file({ ...line(1), step: undefined }), /^line 1: step: expected a non-negative integer, got nothing$/],
    ['a fractional step', file(line(1), { ...line(2), step: 2.5 }), /^line 2: step: expected a non-negative integer, got 2\.5$/],
    ['steps that go back', file(line(1), line(20), line(10)), /^line 3: step: expected a step after 20/],
    ['a loss that is a string', file(line(1, { loss: '0.3' })), /^line 1: loss: expected a number or null, got "0\.3"$/],
    ['params that are not an array', file(line(1, { params: {} })), /^line 1: params: expected an array of at most 10000, got an object$/],
    ['a gradient norm that is a string', file(line(1, { params: [{ name: 'w', gradNorm: 'big' }] })), /^line 1: params\[0\]\.gradNorm: expected a number or null/],
    ['a name that is too long', file(line(1, { params: [{ name: 'x'.repeat(RUNFILE_LIMITS.name + 1), gradNorm: 1 }] })), /^line 1: params\[0\]\.name: expected a name of 1 to 200 characters/],
    ['tensors that change between lines', file(line(1), line(2, { params: [{ name: 'other', gradNorm: 1 }] })), /^line 2: params: expected the same tensors/],
    ['a histogram with the wrong number of bins', file(line(1, { histograms: [{ name: 'w', counts: [1, 2, 3] }] })), /^line 1: histograms\[0\]\.counts: expected 48 counts/],
    ['a negative histogram count', file(line(1, { histograms: [{ name: 'w', counts: counts(1).map((c) => -c) }] })), /^line 1: histograms\[0\]\.counts: expected 48 counts/],
    ['a layer statistic that is not a number', file(line(1, { layers: [{ name: 'l', type: 'relu', mean: [] }] })), /^line 1: layers\[0\]\.mean: expected a number or null, got an array of 0$/],
    ['a through-time norm that is not a number', file(line(1, { hiddenGradNorms: [{ name: 'layers.0', norms: [1, 'x'] }] })), /^line 1: hiddenGradNorms\[0\]\.norms\[1\]: expected a number or null/],
    ['an empty file', '\n\n', /^no records/],
  ])('refuses %s, naming the line and the field', (_, text, message) => {
    expect(refused(text)).toMatch(message);
  });

  it('refuses a file over the size limit before reading it', () => {
    expect(refused(' '.repeat(RUNFILE_LIMITS.bytes + 1))).toMatch(/over the 67108864 a run file may have/);
  });
});
