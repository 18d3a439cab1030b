// A seeded fuzz of the real command line: random argv (known and unknown flags, values of every
// kind) and random files of each kind it reads (configs, weights, batches: truncated, mutated,
// wrong dtypes, huge headers). Every run must end by itself within the time bound, with exit code
// 0 (valid input) or 1-3 (refused), at most three lines besides the adapter line when refused, no
// stack trace, no "internal error", no crash signal. Reproduce a failure with FUZZ_SEED=<seed>;
// FUZZ_VERBOSE=1 prints each run's exit code and first line.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/engine/rng';
import { f32Tensor, writeSafetensors, type StTensor } from '../../src/engine/safetensors';
import { ownLines, runCli, type CliRun } from './run';

const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const RUNS = 240;
const BOUND_MS = 30_000;
const dir = mkdtempSync(join(tmpdir(), 'gradscope-fuzz-'));

const baseSpec = {
  model: { input: 2, layers: [{ type: 'dense', units: 4 }, { type: 'activation', fn: 'tanh' }, { type: 'dense', units: 3 }] },
  loss: 'cross_entropy', optimizer: { type: 'adam', lr: 0.01 }, data: { name: 'spiral', classes: 3, samples: 60 }, batch_size: 8, steps: 3, seed: 1, log_every: 1,
};
const weightShapes: Record<string, number[]> = { 'layers.0.weight': [4, 2], 'layers.0.bias': [4], 'layers.2.weight': [3, 4], 'layers.2.bias': [3] };

// Values that are wrong for most fields, and a few small valid ones (nothing valid is large, so a
// run that passes validation finishes quickly).
const WILD: unknown[] = [-1, 0, 0.5, 2, 3, 1e12, -1e-300, 'abc', '', null, true, false, [], {}, [1, 2], { type: 'dense' }, 'relu', 'dense', 'spiral', 'x'.repeat(300)];
const FLAG_VALUES = ['-5', '0', '1', '2', '1.5', 'abc', '', '--steps', '1e3', '99999999999', '-1', '/proc/x', '/dev/null', ' ', 'ä', '3'];
const FLAGS = ['--config', '--metrics', '--steps', '--seed', '--out', '--weights', '--batch', '--quiet', '--profile', '--help', '--nope', '-x', '--', '--config=', '--steps=2'];

function mutateJson(rng: Rng): string {
  const spec = JSON.parse(JSON.stringify(baseSpec));
  const edits = 1 + Math.floor(rng.next() * 3);
  for (let e = 0; e < edits; e++) {
    const paths = [
      'model', 'loss', 'optimizer', 'data', 'batch_size', 'steps', 'seed', 'clip', 'unknown', 'model.input', 'model.layers', 'model.seq_len',
      'model.layers.0', 'model.layers.0.units', 'model.layers.0.init', 'model.layers.1.fn', 'optimizer.lr', 'optimizer.type', 'data.name', 'data.samples', 'data.seq_len',
    ];
    const keys = paths[Math.floor(rng.next() * paths.length)].split('.');
    const key = keys.pop()!;
    let obj: unknown = spec;
    for (const k of keys) obj = obj !== null && typeof obj === 'object' ? (obj as Record<string, unknown>)[k] : undefined;
    const v = WILD[Math.floor(rng.next() * WILD.length)];
    if (obj === null || typeof obj !== 'object') continue; // an earlier edit replaced it
    if (rng.next() < 0.15) delete (obj as Record<string | number, unknown>)[key];
    else (obj as Record<string | number, unknown>)[key] = v;
  }
  const text = JSON.stringify(spec, null, rng.next() < 0.5 ? 2 : 0);
  const cut = rng.next();
  if (cut < 0.1) return text.slice(0, Math.floor(rng.next() * text.length)); // truncated
  if (cut < 0.15) return text.replace(/[,:]/, ''); // a syntax error
  return text;
}

function mutateBytes(bytes: Uint8Array, rng: Rng): Uint8Array {
  const out = bytes.slice();
  const how = rng.next();
  if (how < 0.25) return out.slice(0, Math.floor(rng.next() * out.length)); // truncated
  if (how < 0.35 && out.length >= 8) { // a huge or absurd header length
    new DataView(out.buffer).setBigUint64(0, [2n ** 63n, 200_000_000n, 0n, BigInt(out.length)][Math.floor(rng.next() * 4)], true);
    return out;
  }
  if (out.length === 0) return out;
  const flips = 1 + Math.floor(rng.next() * 8);
  for (let i = 0; i < flips; i++) out[Math.floor(rng.next() * out.length)] = Math.floor(rng.next() * 256);
  return out;
}

function weightsFile(rng: Rng): Uint8Array {
  const tensors: Record<string, StTensor> = {};
  for (const [name, shape] of Object.entries(weightShapes)) {
    const n = shape.reduce((a, b) => a * b);
    const v = Float32Array.from({ length: n }, () => rng.normal());
    const r = rng.next();
    if (r < 0.08) continue; // a missing tensor
    if (r < 0.14) tensors[name] = { dtype: 'F64', shape, data: new Uint8Array(Float64Array.from(v).buffer) }; // a wrong dtype
    else if (r < 0.2) tensors[name] = f32Tensor([n + 1], Float32Array.from({ length: n + 1 })); // a wrong shape
    else if (r < 0.25) { v[0] = [NaN, Infinity][Math.floor(rng.next() * 2)]; tensors[name] = f32Tensor(shape, v); }
    else tensors[name] = f32Tensor(shape, v);
  }
  if (rng.next() < 0.05) tensors['layers.9.weight'] = f32Tensor([1], new Float32Array(1)); // an extra tensor
  const bytes = writeSafetensors(tensors);
  return rng.next() < 0.4 ? mutateBytes(bytes, rng) : bytes;
}

function batchFile(rng: Rng): Uint8Array {
  const B = 1 + Math.floor(rng.next() * 5);
  const x = Float32Array.from({ length: B * 2 }, () => rng.normal());
  const labels = Int32Array.from({ length: B }, () => Math.floor(rng.next() * 4) - (rng.next() < 0.05 ? 10 : 0));
  const tensors: Record<string, StTensor> = { x: f32Tensor([B, rng.next() < 0.1 ? 3 : 2], rng.next() < 0.1 ? new Float32Array(B * 3) : x) };
  const yKind = rng.next();
  tensors.y = yKind < 0.8 ? { dtype: 'I32', shape: [B], data: new Uint8Array(labels.buffer) } : f32Tensor([B], Float32Array.from(labels));
  if (rng.next() < 0.05) delete tensors.x;
  let bytes: Uint8Array;
  try {
    bytes = writeSafetensors(tensors);
  } catch {
    bytes = new Uint8Array([1, 2, 3]); // the writer itself refused the mismatched shape
  }
  return rng.next() < 0.4 ? mutateBytes(bytes, rng) : bytes;
}

function argvFor(i: number, rng: Rng): string[] {
  const pick = <T>(xs: T[]) => xs[Math.floor(rng.next() * xs.length)];
  const config = join(dir, `c${i}.json`);
  writeFileSync(config, rng.next() < 0.85 ? mutateJson(rng) : JSON.stringify(baseSpec));
  const kind = rng.next();
  if (kind < 0.4) {
    const args = ['train', '--config', config, '--steps', pick(['1', '2', '3'])];
    if (rng.next() < 0.3) args.push('--out', rng.next() < 0.5 ? join(dir, `out${i}`) : pick(['/proc/x', '/dev/null', config]));
    if (rng.next() < 0.2) args.push(pick(FLAGS), pick(FLAG_VALUES));
    return args;
  }
  if (kind < 0.75) {
    const w = join(dir, `w${i}.safetensors`);
    const b = join(dir, `b${i}.safetensors`);
    writeFileSync(w, weightsFile(rng));
    writeFileSync(b, batchFile(rng));
    writeFileSync(config, JSON.stringify(baseSpec));
    return ['gradients', '--config', config, '--weights', w, '--batch', b, '--out', rng.next() < 0.9 ? join(dir, `g${i}.safetensors`) : pick(['/proc/x/g', dir])];
  }
  // Random argv: commands, flags and values in any order (never a valid long training run: any
  // --steps it gives is small or invalid, and the config is a mutated one).
  const args: string[] = rng.next() < 0.8 ? [pick(['train', 'gradients', 'info', 'export', 'diagnose', 'schema', 'frob', '', '--help', '-h', 'train'])] : [];
  const n = Math.floor(rng.next() * 6);
  for (let k = 0; k < n; k++) args.push(pick(FLAGS), rng.next() < 0.3 ? config : pick(FLAG_VALUES));
  if (args[0] === 'train' && !args.includes('--steps')) args.push('--steps', '2');
  return args;
}

function check(args: string[], r: CliRun): void {
  const what = `argv ${JSON.stringify(args)}: exit ${r.code} signal ${r.signal} after ${r.ms} ms\n${r.stdout}${r.stderr}`;
  expect(r.timedOut, what).toBe(false);
  expect(r.signal, what).toBeNull();
  expect([0, 1, 2, 3], what).toContain(r.code);
  expect(`${r.stdout}${r.stderr}`, what).not.toMatch(/^\s+at |internal error|Unhandled|Segmentation/m);
  // The full usage only for --help or when no command is given.
  const usage = /^usage: gradscope/m.test(r.stdout + r.stderr);
  const noCommand = args.length === 0 || args[0].startsWith('-') || args[0] === '';
  if (usage) expect(args.includes('--help') || args.includes('-h') || noCommand, what).toBe(true);
  else if (r.code !== 0) expect(ownLines(r).length, what).toBeLessThanOrEqual(3);
}

describe(`command-line fuzz (${RUNS} seeded runs, seed ${SEED})`, () => {
  it('every run ends by itself in bounded time with a clean exit code and at most three lines when refused', async () => {
    const rng = new Rng(SEED);
    const cases = Array.from({ length: RUNS }, (_, i) => argvFor(i, rng));
    const exits = new Map<number | null, number>();
    let next = 0;
    // Two at a time: the machine's two cores, and each run is mostly process start-up.
    const worker = async () => {
      while (next < cases.length) {
        const args = cases[next++];
        const r = await runCli(args, { timeoutMs: BOUND_MS, cwd: dir }); // relative --out values land in the fuzz folder
        exits.set(r.code, (exits.get(r.code) ?? 0) + 1);
        check(args, r);
        if (process.env.FUZZ_VERBOSE) console.log(r.code, ownLines(r)[0]?.slice(0, 110));
      }
    };
    await Promise.all([worker(), worker()]);
    // The fuzz reached both sides: refusals and valid runs.
    expect(exits.get(0) ?? 0).toBeGreaterThan(5);
    expect((exits.get(1) ?? 0) + (exits.get(2) ?? 0)).toBeGreaterThan(RUNS / 2);
  }, 900_000);
});
