// The JSON Schema of run specs (schema/run.schema.json) against the validator it is written from:
// the shipped file is the generator's output, every example names it and passes it, and on
// seeded single-field mutations of valid specs the schema and parseSpec agree, case by case.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng';
import { parseRunSpec } from '../../src/engine/gan/spec';
import { specSchema } from '../../src/engine/spec_schema';

const shipped = readFileSync('schema/run.schema.json', 'utf8');
const validate = new Ajv2020({ strict: true, strictRequired: false }).compile(JSON.parse(shipped));
const accepts = (s: unknown) => { try { parseRunSpec(s); return true; } catch { return false; } };

const BASES: unknown[] = [
  JSON.parse(readFileSync('examples/spiral.json', 'utf8')),
  JSON.parse(readFileSync('examples/adding.json', 'utf8')),
  { model: { input: 2, layers: [{ type: 'dense', units: 4, init: 'normal', std: 0.5 }, { type: 'dropout', p: 0.2 }, { type: 'dense', units: 2, init: 'orthogonal', gain: 2 }] }, optimizer: { type: 'sgd', lr: 0.1, momentum: 0.9, nesterov: true }, data: { name: 'moons' } },
  { model: { input: 2, layers: [{ type: 'rnn', units: 3, nonlinearity: 'relu', spectral_radius: 1.1 }, { type: 'dense', units: 1 }] }, loss: 'mse', optimizer: { type: 'rmsprop', lr: 0.01 }, data: { name: 'adding', seq_len: 5 }, clip: { value: 1 } },
  { model: { input: 2, layers: [{ type: 'layernorm' }, { type: 'dense', units: 2, init: 'uniform', limit: 0.1, bias: false, weight_norm: true, weight_norm_init: 'data' }] }, optimizer: { type: 'adamw', lr: 0.001, weight_decay: 0.01 } },
  JSON.parse(readFileSync('examples/gan-ring.json', 'utf8')),
  { gan: { generator: { layers: [{ type: 'dense', units: 2 }] }, discriminator: { layers: [{ type: 'dense', units: 3 }, { type: 'activation', fn: 'relu' }, { type: 'dense', units: 1 }] }, generator_loss: 'saturating', freeze_generator_after: 3 }, optimizer_d: { type: 'sgd', lr: 0.1 }, clip_g: { global_norm: 1 }, data: { name: 'grid' } },
];
const widthError = (c: unknown) => { try { parseRunSpec(c); return false; } catch (e) { return /expected a last layer of width/.test((e as Error).message); } };
const WILD: unknown[] = [-1, 0, 0.5, 1, 2, 50, 1e12, 'abc', '', 'normal', 'rnn', 'lstm', 'relu', 'dense', 'adding', 'sgd', 'saturating', 'ring', null, true, false, [], {}, [1], { type: 'dense', units: 2 }];

/** Every path to a value in v, objects and arrays included (["model", "layers", 0, "units"]…). */
function paths(v: unknown, at: (string | number)[] = []): (string | number)[][] {
  const out = at.length ? [at] : [];
  if (v !== null && typeof v === 'object') for (const [k, c] of Object.entries(v)) out.push(...paths(c, [...at, Array.isArray(v) ? Number(k) : k]));
  return out;
}
function mutated(base: unknown, path: (string | number)[], value: unknown | undefined, extraKey?: string): unknown {
  const copy = structuredClone(base) as Record<string | number, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (extraKey) (o[last] as Record<string, unknown>)[extraKey] = value;
  else if (value === undefined) delete o[last];
  else o[last] = value;
  return copy;
}

describe('the run-spec JSON Schema', () => {
  it('schema/run.schema.json is what `gradscope schema` writes from the validator (regenerate: npx gradscope schema > schema/run.schema.json)', () => {
    expect(shipped).toBe(`${JSON.stringify(specSchema(), null, 2)}\n`);
  });

  it('every example names the schema and passes both it and the validator', () => {
    for (const f of readdirSync('examples').filter((f) => f.endsWith('.json'))) {
      const spec = JSON.parse(readFileSync(join('examples', f), 'utf8'));
      expect(spec.$schema, f).toBe('../schema/run.schema.json');
      expect(validate(spec), `${f}: ${JSON.stringify(validate.errors)}`).toBe(true);
      expect(accepts(spec), f).toBe(true);
    }
  });

  it('agrees with parseSpec on every single-field mutation it tries (seeded: each base × every path × 4 values, removals and added fields)', () => {
    const rng = new Rng(7);
    let tried = 0;
    let refused = 0;
    for (const base of BASES) {
      expect(validate(base), JSON.stringify(validate.errors)).toBe(true);
      for (const path of paths(base)) {
        const cases: unknown[] = [mutated(base, path, undefined)];
        for (let k = 0; k < 4; k++) cases.push(mutated(base, path, WILD[Math.floor(rng.next() * WILD.length)]));
        const target = path.reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], base);
        if (target && typeof target === 'object' && !Array.isArray(target)) {
          for (const key of ['std', 'gain', 'nonlinearity', 'forget_bias', 'seq_len', 'momentum', 'nesterov', 'weight_norm_init', 'freeze_generator_after', 'bogus']) cases.push(mutated(base, path, WILD[Math.floor(rng.next() * WILD.length)], key));
        }
        for (const c of cases) {
          const bySchema = validate(c);
          const byValidator = accepts(c);
          // The validator's own cross-field rules that no schema states: T agreeing between
          // model.seq_len and data.seq_len, seq_len only on a model with a recurrent layer, and the
          // widths layers end at (the generator at 2 features, the discriminator at 1 logit).
          const crossField = bySchema && !byValidator && (JSON.stringify(c).includes('"seq_len"') || widthError(c));
          if (!crossField) expect(bySchema, `schema ${bySchema}, parseSpec ${byValidator} on ${JSON.stringify(c)}`).toBe(byValidator);
          tried++;
          if (!byValidator) refused++;
        }
      }
    }
    expect(tried).toBeGreaterThan(500);
    expect(refused).toBeGreaterThan(tried / 3); // the mutations reach both sides
  });
});
