// The lab's settings (no GPU): settingsToSpec gives a spec parseSpec accepts for every choice the
// controls offer; the URL form round-trips 1-4 runs exactly; hostile or out-of-range URL values
// are refused field by field (named in `rejected`) and replaced by defaults; experiment files
// round-trip and go through the same checks, a malformed file as a whole gets one clear error.
import { describe, expect, it } from 'vitest';
import { ACTIVATIONS } from '../../src/kernels/activation_ids';
import { describeModel } from '../../src/engine/model';
import { INITIALISERS } from '../../src/engine/spec';
import { PRESETS, presetSettings } from '../../src/lab/ui/presets';
import { CELLS, DEFAULTS, fileToSettings, LAB_DATASETS, LAB_OPTIMIZERS, LIMITS, NORMS, queryToSettings, RECURRENT_INITS_LAB, sanitize, settingsToFile, settingsToQuery, settingsToSpec, type Settings } from '../../src/lab/ui/settings';
import { isSequenceData } from '../../src/engine/spec';
import { parseOwnCsv } from '../../src/engine/own_data';
import { rng } from '../reference';

function randomSettings(next: () => number): Settings {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)];
  const int = ([lo, hi]: readonly [number, number]) => lo + Math.floor(next() * (hi - lo + 1));
  return {
    dataset: pick(LAB_DATASETS.filter((d) => d !== 'own')), depth: int(LIMITS.depth), width: int(LIMITS.width), activation: pick(Object.keys(ACTIVATIONS)) as Settings['activation'],
    init: pick(INITIALISERS), initStd: Number((0.01 + next() * 3).toFixed(3)), norm: pick(NORMS), residual: next() < 0.5, optimizer: pick(LAB_OPTIMIZERS),
    lrLog10: Number((-5 + next() * 5).toFixed(1)) || 0, batch: int(LIMITS.batch), clip: next() < 0.5 ? 0 : Number((next() * 10).toFixed(1)), seed: int(LIMITS.seed),
    cell: pick(CELLS), recurrentInit: pick(RECURRENT_INITS_LAB), spectralRadius: next() < 0.5 ? 0 : Number((next() * 3).toFixed(2)) || 0, seqLen: int([10, 300]),
  };
}

describe('lab settings', () => {
  it('every combination of the controls makes a valid spec (300 seeded draws, the extremes and every preset)', () => {
    const next = rng(7);
    const all = [...Array.from({ length: 300 }, () => randomSettings(next)), ...PRESETS.flatMap(presetSettings),
      { ...DEFAULTS, depth: LIMITS.depth[1], width: LIMITS.width[1], residual: true, norm: 'layer' as const, dataset: 'fashion_mnist' as const },
      { ...DEFAULTS, depth: LIMITS.depth[0], width: LIMITS.width[0] }];
    for (const s of all) {
      const spec = settingsToSpec(s);
      const model = describeModel(spec);
      const dense = model.params.filter((p) => p.role === 'weight').length;
      if (isSequenceData(s.dataset)) expect(model.params[0].name, JSON.stringify(s)).toBe('layers.0.weight_ih_l0'); // one recurrent layer, then the read-out
      else expect(dense, JSON.stringify(s)).toBe(s.depth + 1 + (s.residual ? 1 : 0));
      expect(spec.optimizer.lr).toBeCloseTo(10 ** s.lrLog10, 12);
      expect(spec.clip.global_norm ?? 0).toBe(s.clip);
      expect(spec.seed).toBe(s.seed);
    }
  });

  it('"weight" and "weight_data" normalise every hidden dense layer\'s weight (not the read-out), also in the URL and experiment files', () => {
    for (const norm of ['weight', 'weight_data'] as const) {
      for (const residual of [false, true]) {
        const spec = settingsToSpec({ ...DEFAULTS, depth: 3, norm, residual });
        const names = describeModel(spec).params.map((p) => p.name);
        expect(names.filter((n) => n.endsWith('.weight_v')).length).toBe(3);
        expect(names.filter((n) => n.endsWith('.weight_g')).length).toBe(3);
        expect(names.filter((n) => n.endsWith('.weight')).length).toBe(residual ? 2 : 1); // the read-out (and the residual net's input layer)
        const dense = JSON.stringify(spec.model.layers);
        expect(dense.includes('"weight_norm_init":"data"')).toBe(norm === 'weight_data');
        expect(dense.includes('batchnorm') || dense.includes('layernorm')).toBe(false);
      }
      expect(queryToSettings(`norm=${norm}`)).toEqual({ runs: [{ ...DEFAULTS, norm }], rejected: [] });
      expect(fileToSettings(settingsToFile([{ ...DEFAULTS, norm }])).runs[0].norm).toBe(norm);
    }
    expect(queryToSettings('norm=weight_norm').rejected).toEqual(['norm']);
  });

  it('the URL round-trips one to four runs exactly', () => {
    const next = rng(11);
    for (let trial = 0; trial < 100; trial++) {
      const runs = Array.from({ length: 1 + (trial % 4) }, () => randomSettings(next));
      const back = queryToSettings(settingsToQuery(runs));
      expect(back.rejected).toEqual([]);
      expect(back.runs).toEqual(runs);
    }
    expect(queryToSettings('').runs).toEqual([DEFAULTS]);
  });

  it('refuses hostile and out-of-range values by name and keeps the defaults', () => {
    const q = new URLSearchParams({ data: '<img src=x onerror=alert(1)>', depth: '1e9', width: '3.5', act: 'constructor', init: '__proto__', lr: 'NaN', clip: '-1', res: 'yes', seed: '0x10', batch: ' 64', runs: '<b>' });
    const { runs, rejected } = queryToSettings(q.toString());
    expect(rejected.sort()).toEqual(['act', 'batch', 'clip', 'data', 'depth', 'init', 'lr', 'res', 'runs', 'seed', 'width']);
    expect(runs).toEqual([DEFAULTS]);
    expect(queryToSettings('runs=9').rejected).toEqual(['runs']);
    expect(queryToSettings('runs=2&b.act=%3Cscript%3E').rejected).toEqual(['b.act']);
    expect(sanitize({ depth: 60, width: 256 }).rejected).toEqual([]);
    expect(sanitize({ depth: 61 }).rejected).toEqual(['depth']);
  });

  it('an experiment file round-trips one to four runs exactly', () => {
    const next = rng(77);
    for (let n = 1; n <= 4; n++) {
      const runs = Array.from({ length: n }, () => randomSettings(next));
      expect(fileToSettings(settingsToFile(runs))).toEqual({ runs, rejected: [], own: null });
    }
  });

  it('an experiment file goes through the URL checks: hostile, out-of-range and unknown fields are named and get defaults', () => {
    const file = JSON.stringify({
      gradscope: 'lab-experiment', version: 1,
      runs: [
        { dataset: '<img src=x onerror=alert(1)>', depth: 1e9, width: '3.5', activation: 'constructor', residual: 'yes', batch: 64, seed: 3, dept: 5, PROTO: { polluted: 1 } },
        { activation: 'relu', lrLog10: -3 },
      ],
    }).replace('"PROTO"', '"__proto__"'); // an own "__proto__" key, as a hostile file can hold
    const { runs, rejected } = fileToSettings(file);
    expect(rejected).toEqual(['runs[0].dataset', 'runs[0].depth', 'runs[0].width', 'runs[0].activation', 'runs[0].residual', 'runs[0].dept (unknown)', 'runs[0].__proto__ (unknown)']);
    expect(runs).toEqual([{ ...DEFAULTS, batch: 64, seed: 3 }, { ...DEFAULTS, activation: 'relu', lrLog10: -3 }]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('own data: the spec takes its features and classes; the experiment file carries the rows exactly; a bad row refuses the whole file', () => {
    const own = parseOwnCsv('h,w,age,kind\n0.1,2,3,cat\n4,5,6,dog\n7,8,9,ant\n1,1,1,cat\n', 'p.csv');
    const spec = settingsToSpec({ ...DEFAULTS, dataset: 'own', depth: 2 }, own);
    expect([spec.model.input, spec.data.name, spec.data.classes]).toEqual([3, 'own', 3]);
    expect(describeModel(spec).output).toBe(3);
    expect(() => settingsToSpec({ ...DEFAULTS, dataset: 'own' })).toThrow(/^data: expected own data: points drawn or a CSV loaded/);
    const runs = [{ ...DEFAULTS, dataset: 'own' as const }, { ...DEFAULTS, dataset: 'own' as const, activation: 'relu' as const }];
    const text = settingsToFile(runs, own);
    expect(text).toContain('      [0.1,2,3,1]'); // one row a line, shortest decimals
    expect(fileToSettings(text)).toEqual({ runs, rejected: [], own });
    expect(settingsToFile([DEFAULTS], own)).not.toContain('"data"'); // no run uses it: not saved
    expect(() => fileToSettings(text.replace('[4,5,6,2]', '[4,"5",6,2]'))).toThrow('data.rows[1]: expected a list of numbers, got an array of 4');
    expect(() => fileToSettings(text.replace(/,\n  "data"[^]*\n}\n$/, '\n}\n'))).toThrow('data: expected the own data set the runs train on, got nothing');
  });

  it('refuses a file that is not an experiment with one clear error', () => {
    const file = (o: unknown) => JSON.stringify(o);
    expect(() => fileToSettings('{"runs": [')).toThrow(/^not JSON/);
    expect(() => fileToSettings('[]')).toThrow(/not a gradscope lab experiment/);
    expect(() => fileToSettings(file({ model: { input: 2, layers: [] } }))).toThrow(/not a gradscope lab experiment/);
    expect(() => fileToSettings(file({ gradscope: 'lab-experiment', runs: [] }))).toThrow(/runs: expected a list of 1 to 4 runs/);
    expect(() => fileToSettings(file({ gradscope: 'lab-experiment', runs: Array(5).fill({}) }))).toThrow(/runs: expected a list of 1 to 4 runs/);
    expect(() => fileToSettings(file({ gradscope: 'lab-experiment', runs: [{}, 'tanh'] }))).toThrow(/runs\[1\]: expected an object of settings/);
  });
});
