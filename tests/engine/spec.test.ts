// Spec validation: a valid spec parses with defaults filled in; each bad field is rejected with
// its path and what was expected; width mismatches are found when the model is described.
import { describe, expect, it } from 'vitest';
import { parseSpec, SpecError } from '../../src/engine/spec';
import { describeModel } from '../../src/engine/model';
import { EXAMPLE } from './fixtures';


const clone = () => JSON.parse(JSON.stringify(EXAMPLE));

describe('parseSpec', () => {
  it('accepts the example from the issue and fills defaults', () => {
    const s = parseSpec(EXAMPLE);
    expect(s.optimizer).toEqual({ type: 'adam', lr: 0.001, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0 });
    expect(s.model.layers[3]).toEqual({ type: 'residual', layers: [{ type: 'dense', units: 64, init: 'glorot_uniform', bias: true }, { type: 'activation', fn: 'tanh' }] });
    expect(s.data.test_fraction).toBe(0.2);
  });

  const bad: [string, (s: any) => void, RegExp][] = [
    ['wrong type', (s) => (s.model.layers[0].units = '64'), /^model\.layers\[0\]\.units: expected an integer in \[1, 65536\], got "64"/],
    ['negative units', (s) => (s.model.layers[4].units = -3), /^model\.layers\[4\]\.units: expected an integer/],
    ['unknown layer', (s) => (s.model.layers[1].type = 'conv'), /^model\.layers\[1\]\.type: expected one of dense, activation/],
    ['unknown activation', (s) => (s.model.layers[3].layers[1].fn = 'swish'), /^model\.layers\[3\]\.layers\[1\]\.fn: expected one of identity, sigmoid/],
    ['unknown field', (s) => (s.model.layers[0].unit = 3), /^model\.layers\[0\]\.unit: expected no such field/],
    ['empty model', (s) => (s.model.layers = []), /^model\.layers: expected a non-empty array/],
    ['batch size 0', (s) => (s.batch_size = 0), /^batch_size: expected an integer in \[1, 65536\], got 0/],
    ['absurd depth', (s) => (s.model.layers = Array(5000).fill({ type: 'activation', fn: 'relu' })), /^model\.layers: expected at most 1000 layers/],
    ['NaN learning rate', (s) => (s.optimizer.lr = NaN), /^optimizer\.lr: expected a number in \(0, 1000000\]/],
    ['zero learning rate', (s) => (s.optimizer.lr = 0), /^optimizer\.lr/],
    ['unknown optimizer', (s) => (s.optimizer.type = 'lbfgs'), /^optimizer\.type: expected one of sgd, adam, adamw, rmsprop/],
    ['unknown loss', (s) => (s.loss = 'hinge'), /^loss: expected one of cross_entropy/],
    ['unknown dataset', (s) => (s.data.name = 'imagenet'), /^data\.name: expected one of spiral/],
    ['std on the wrong init', (s) => (s.model.layers[0].std = 0.1), /^model\.layers\[0\]\.std: expected no std/],
    ['not an object', () => undefined, /^spec: expected an object, got nothing/],
  ];
  it.each(bad)('rejects %s with the field path', (_, mutate, message) => {
    const s = clone();
    mutate(s);
    const input = _ === 'not an object' ? undefined : s;
    expect(() => parseSpec(input)).toThrow(SpecError);
    expect(() => parseSpec(input)).toThrow(message);
  });
});

describe('describeModel', () => {
  it('names parameters as PyTorch does and aligns them for binding', () => {
    const m = describeModel(parseSpec(EXAMPLE), 3);
    expect(m.params.map((p) => `${p.name}[${p.shape}]`)).toEqual([
      'layers.0.weight[64,2]', 'layers.0.bias[64]', 'layers.1.weight[64]', 'layers.1.bias[64]',
      'layers.3.layers.0.weight[64,64]', 'layers.3.layers.0.bias[64]', 'layers.4.weight[3,64]', 'layers.4.bias[3]',
    ]);
    expect(m.states.map((s) => s.name)).toEqual(['layers.1.running_mean', 'layers.1.running_var']);
    for (const p of m.params) expect(p.offset % 64).toBe(0);
    expect(m.paramCount).toBe(64 * 2 + 64 + 64 + 64 + 64 * 64 + 64 + 3 * 64 + 3);
  });

  it('rejects a residual block that changes the width, naming the block', () => {
    const s = clone();
    s.model.layers[3].layers[0].units = 32;
    expect(() => describeModel(parseSpec(s), 3)).toThrow(/^model\.layers\[3\]: expected a residual block whose layers end at its input width 64, got width 32|^model\.layers\[3\]: expected a residual block/);
  });

  it('rejects an output width the loss cannot use', () => {
    expect(() => describeModel(parseSpec(EXAMPLE), 5)).toThrow(/^model\.layers: expected a last layer of width 5/);
  });
});
