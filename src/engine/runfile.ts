// Reads a finished run's metrics.jsonl back into StepRecords: one written by `gradscope train
// --out`, by an exported train.py, or by any PyTorch loop through python/gradscope_torch.py.
// The file is untrusted: every line is checked, the first bad one is refused with its line
// number and what was wrong (nothing is returned from a file with a bad line), sizes are
// bounded, unknown fields are ignored, and null stands for a non-finite number (JSON has none).
import { HISTOGRAM, type LayerStats, type StepRecord } from './diagnostics';

export const RUNFILE_LIMITS = { bytes: 64 * 1024 * 1024, records: 100_000, tensors: 10_000, layers: 10_000, time: 100_000, name: 200 };

export class RunFileError extends Error {
  override name = 'RunFileError';
}

type Obj = Record<string, unknown>;

/** Checks one decoded line; `at` names the place in the error ("line 3: params[2].gradNorm"). */
class Line {
  constructor(readonly n: number) {}
  fail(path: string, expected: string, got: unknown): never {
    const shown = got === undefined ? 'nothing' : typeof got === 'string' ? JSON.stringify(got.length > 40 ? `${got.slice(0, 40)}…` : got) : Array.isArray(got) ? `an array of ${got.length}` : got !== null && typeof got === 'object' ? 'an object' : String(got);
    throw new RunFileError(`line ${this.n}: ${path}: expected ${expected}, got ${shown}`);
  }
  object(v: unknown, path: string): Obj {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) this.fail(path, 'an object', v);
    return v as Obj;
  }
  array(v: unknown, path: string, max: number, optional = false): unknown[] {
    if (v === undefined && optional) return [];
    if (!Array.isArray(v) || v.length > max) this.fail(path, `an array of at most ${max}`, v);
    return v;
  }
  /** A number; null (a non-finite value when written) reads as NaN. */
  number(v: unknown, path: string): number {
    if (v === null) return NaN;
    if (typeof v !== 'number') this.fail(path, 'a number or null', v);
    return v;
  }
  nullable(v: unknown, path: string): number | null {
    return v === undefined || v === null ? null : this.number(v, path);
  }
  name(v: unknown, path: string): string {
    if (typeof v !== 'string' || v.length === 0 || v.length > RUNFILE_LIMITS.name) this.fail(path, `a name of 1 to ${RUNFILE_LIMITS.name} characters`, v);
    return v;
  }
}

function record(o: Obj, line: Line): StepRecord {
  const step = o.step;
  if (typeof step !== 'number' || !Number.isSafeInteger(step) || step < 0) line.fail('step', 'a non-negative integer', step);
  const params = line.array(o.params, 'params', RUNFILE_LIMITS.tensors).map((v, i) => {
    const p = line.object(v, `params[${i}]`);
    return {
      name: line.name(p.name, `params[${i}].name`), gradNorm: line.number(p.gradNorm, `params[${i}].gradNorm`),
      weightNorm: line.number(p.weightNorm ?? null, `params[${i}].weightNorm`), updateRatio: line.number(p.updateRatio ?? null, `params[${i}].updateRatio`),
    };
  });
  const layers: LayerStats[] = line.array(o.layers, 'layers', RUNFILE_LIMITS.layers, true).map((v, i) => {
    const l = line.object(v, `layers[${i}]`);
    const at = (k: string) => `layers[${i}].${k}`;
    return {
      name: line.name(l.name, at('name')), type: line.name(l.type, at('type')),
      mean: line.number(l.mean ?? null, at('mean')), std: line.number(l.std ?? null, at('std')), min: line.number(l.min ?? null, at('min')), max: line.number(l.max ?? null, at('max')),
      saturated: line.nullable(l.saturated, at('saturated')), dead: line.nullable(l.dead, at('dead')),
    };
  });
  const histograms = line.array(o.histograms, 'histograms', RUNFILE_LIMITS.tensors, true).map((v, i) => {
    const h = line.object(v, `histograms[${i}]`);
    const counts = line.array(h.counts, `histograms[${i}].counts`, HISTOGRAM.bins);
    if (counts.length !== HISTOGRAM.bins || !counts.every((c) => Number.isSafeInteger(c) && (c as number) >= 0 && (c as number) < 2 ** 32)) {
      line.fail(`histograms[${i}].counts`, `${HISTOGRAM.bins} counts (non-negative integers)`, h.counts);
    }
    return { name: line.name(h.name, `histograms[${i}].name`), counts: Uint32Array.from(counts as number[]) };
  });
  const hiddenGradNorms = line.array(o.hiddenGradNorms, 'hiddenGradNorms', RUNFILE_LIMITS.layers, true).map((v, i) => {
    const h = line.object(v, `hiddenGradNorms[${i}]`);
    return { name: line.name(h.name, `hiddenGradNorms[${i}].name`), norms: line.array(h.norms, `hiddenGradNorms[${i}].norms`, RUNFILE_LIMITS.time).map((x, t) => line.number(x, `hiddenGradNorms[${i}].norms[${t}]`)) };
  });
  let nonFinite: StepRecord['nonFinite'] = null;
  if (o.nonFinite !== undefined && o.nonFinite !== null) {
    const f = line.object(o.nonFinite, 'nonFinite');
    if (typeof f.step !== 'number' || !Number.isSafeInteger(f.step)) line.fail('nonFinite.step', 'an integer', f.step);
    if (typeof f.where !== 'string' || f.where.length > 1000) line.fail('nonFinite.where', 'a string of at most 1000 characters', f.where);
    nonFinite = { step: f.step, where: f.where };
  }
  const accuracy = line.nullable(o.accuracy, 'accuracy');
  return {
    step, loss: line.number(o.loss, 'loss'), accuracy: accuracy !== null && Number.isNaN(accuracy) ? null : accuracy, params,
    globalGradNorm: o.globalGradNorm === undefined ? Math.hypot(...params.map((p) => p.gradNorm)) : line.number(o.globalGradNorm, 'globalGradNorm'),
    layers, histograms, nonFinite, logits: new Float32Array(0), hiddenGradNorms,
  };
}

/** Every record of a metrics.jsonl, in file order; a RunFileError naming the first bad line. */
export function parseRunFile(text: string): StepRecord[] {
  if (text.length > RUNFILE_LIMITS.bytes) throw new RunFileError(`${text.length} characters, over the ${RUNFILE_LIMITS.bytes} a run file may have`);
  const records: StepRecord[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i].trim();
    if (!raw) continue; // blank lines (the final newline among them)
    const line = new Line(i + 1);
    let v: unknown;
    try {
      v = JSON.parse(raw);
    } catch (e) {
      throw new RunFileError(`line ${i + 1}: not JSON (${(e as Error).message})`);
    }
    const r = record(line.object(v, 'the line'), line);
    const last = records.at(-1);
    if (last && r.step <= last.step) line.fail('step', `a step after ${last.step} (steps increase down the file)`, r.step);
    if (last && r.params.map((p) => p.name).join('\n') !== last.params.map((p) => p.name).join('\n')) line.fail('params', 'the same tensors, in the same order, as the line before', r.params.map((p) => p.name).join(', '));
    records.push(r);
    if (records.length > RUNFILE_LIMITS.records) throw new RunFileError(`line ${i + 1}: more than ${RUNFILE_LIMITS.records} records`);
  }
  if (records.length === 0) throw new RunFileError('no records (a metrics.jsonl has one JSON object per line)');
  return records;
}
