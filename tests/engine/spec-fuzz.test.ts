// Fuzz: 2,000 seeded random mutations of valid specs (wrong types, deleted and unknown fields,
// extreme numbers, shuffled layers, nested garbage). Each must give either a described model or
// a SpecError naming a field path; nothing else may escape (no TypeError, no crash, no hang).
import { describe, expect, it } from 'vitest';
import { describeModel } from '../../src/engine/model';
import { parseSpec, SpecError } from '../../src/engine/spec';
import { rng } from '../reference';
import { EXAMPLE } from './fixtures';

const WEIRD: unknown[] = [null, undefined, 0, -1, 1e308, -1e308, NaN, Infinity, 0.5, 2 ** 53, '', 'relu', 'dense', true, [], [1], {}, { type: 'dense' }, '__proto__', 'constructor'];

function mutate(spec: any, r: () => number): any {
  // Pick a random path into the object and replace, delete, or add something there.
  const paths: (string | number)[][] = [];
  const walk = (v: any, path: (string | number)[]) => {
    paths.push(path);
    if (v && typeof v === 'object') for (const k of Object.keys(v)) walk(v[k], [...path, Array.isArray(v) ? Number(k) : k]);
  };
  walk(spec, []);
  const path = paths[Math.floor(r() * paths.length)];
  if (path.length === 0) return WEIRD[Math.floor(r() * WEIRD.length)];
  let parent = spec;
  for (const k of path.slice(0, -1)) parent = parent[k];
  const key = path[path.length - 1];
  const choice = r();
  if (choice < 0.5) parent[key] = WEIRD[Math.floor(r() * WEIRD.length)];
  else if (choice < 0.65) delete parent[key];
  else if (choice < 0.8 && typeof parent === 'object') parent[`x${Math.floor(r() * 10)}`] = 1;
  else if (choice < 0.9 && typeof parent[key] === 'number') parent[key] = parent[key] * (r() < 0.5 ? -1 : 1e6);
  else if (Array.isArray(parent)) parent.reverse();
  else parent[key] = JSON.parse(JSON.stringify(spec.model ?? {}));
  return spec;
}

describe('spec fuzzing', () => {
  it('2,000 mutations give a model or a SpecError with a path, never anything else', () => {
    const r = rng(2024);
    let models = 0;
    let errors = 0;
    for (let i = 0; i < 2000; i++) {
      let spec = JSON.parse(JSON.stringify(EXAMPLE));
      const rounds = 1 + Math.floor(r() * 3);
      for (let k = 0; k < rounds; k++) spec = mutate(spec, r);
      try {
        const parsed = parseSpec(spec);
        describeModel(parsed);
        models++;
      } catch (e) {
        if (!(e instanceof SpecError)) throw new Error(`mutation ${i} threw ${(e as Error).name}: ${(e as Error).message}\n${JSON.stringify(spec)?.slice(0, 400)}`);
        expect(e.message).toMatch(/^(spec|model|loss|optimizer|clip|data|batch_size|steps|seed|log_every|eval_every)[\w.[\]]*: expected /);
        errors++;
      }
    }
    expect(models).toBeGreaterThan(50); // the fuzzer also produces valid specs, so both paths run
    expect(errors).toBeGreaterThan(1000);
  });
});
