// The headless command line: `gradscope <command>`. Built by vite.cli.config.ts (so WGSL ?raw
// imports work): `npm run cli -- <command>` or, after a build, `npx gradscope <command>`.
// Bad input exits non-zero with one clear line; GRADSCOPE_DEBUG=1 adds the stack trace.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { GpuContext } from '../gpu/context';
import { openNodeDevice } from '../gpu/node';
import { selfCheck } from '../gpu/selfcheck';
import { loadDataset } from '../engine/dataset';
import { describeModel } from '../engine/model';
import { parseSpec, type Spec } from '../engine/spec';
import { exportRun } from './export';
import { gradients } from './gradients';
import { train } from './train';

const USAGE = `usage: gradscope <command> [options]

commands:
  info                                   adapter, features, limits and a kernel self-check
  train --config run.json [--steps N] [--seed S] [--out DIR] [--quiet] [--profile]
                                         train; print per-layer gradient norms at the start and the end;
                                         with --out, write metrics.csv, metrics.jsonl and model.safetensors;
                                         --profile times every kernel and prints the table (and trace.json
                                         for chrome://tracing / ui.perfetto.dev with --out)
  gradients --config run.json --weights w.safetensors --batch b.safetensors --out g.safetensors
                                         one forward and backward pass on the given weights and batch
                                         (x: F32 [B, input]; y: I32 [B] labels for cross_entropy, F32 [B, outputs] otherwise);
                                         writes every parameter's gradient under its own name, the loss in the metadata
  export --config run.json --out DIR [--weights model.safetensors] [--steps N] [--seed S]
                                         write the run as a PyTorch project: DIR/train.py trains the same run
                                         (same initial weights or --weights, data and batch order) with python3
                                         or torchrun, writing metrics.jsonl and a checkpoint gradscope reads`;

class UsageError extends Error {}

function readSpec(file: string | undefined, overrides: { steps?: string; seed?: string }): Spec {
  if (!file) throw new UsageError('--config is required');
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`${file}: ${(e as Error).message}`);
  }
  const o = json as Record<string, unknown>;
  if (overrides.steps !== undefined) o.steps = Number(overrides.steps);
  if (overrides.seed !== undefined) o.seed = Number(overrides.seed);
  const spec = parseSpec(o);
  describeModel(spec); // width mismatches are spec errors too: report them before touching the GPU
  return spec;
}

async function withDevice<T>(fn: (ctx: GpuContext) => Promise<T>): Promise<T> {
  const gpu = await openNodeDevice({
    onLost: (info) => {
      console.error(`gradscope: the GPU device was lost (${info.reason}): ${info.message}`);
      process.exit(4);
    },
  });
  const ctx = new GpuContext(gpu);
  try {
    return await fn(ctx);
  } finally {
    ctx.destroy();
  }
}

async function info(ctx: GpuContext): Promise<number> {
  const { adapter, features, limits } = ctx.gpu;
  console.log(`adapter:   ${adapter.name}`);
  console.log(`vendor:    ${adapter.vendor || '-'}  architecture: ${adapter.architecture || '-'}`);
  console.log(`features:  ${[...features].join(', ') || 'none'}`);
  console.log(`limits:    maxStorageBufferBindingSize=${limits.maxStorageBufferBindingSize} maxBufferSize=${limits.maxBufferSize} ` +
    `maxComputeWorkgroupStorageSize=${limits.maxComputeWorkgroupStorageSize} maxComputeInvocationsPerWorkgroup=${limits.maxComputeInvocationsPerWorkgroup}`);
  const check = await selfCheck(ctx);
  console.log(`selfcheck: ${check.ok ? 'ok' : 'FAILED'} (${check.elements} elements, max error ${check.maxError.toExponential(1)}, ${check.ms.toFixed(0)} ms)`);
  return check.ok ? 0 : 1;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      config: { type: 'string' }, steps: { type: 'string' }, seed: { type: 'string' }, out: { type: 'string' },
      weights: { type: 'string' }, batch: { type: 'string' }, quiet: { type: 'boolean' }, profile: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help || command === '--help' || command === '-h') {
    console.log(USAGE);
    return 0;
  }
  switch (command) {
    case 'info':
      return withDevice(info);
    case 'train': {
      const spec = readSpec(values.config, values);
      const data = await loadDataset(spec.data, spec.seed);
      return withDevice((ctx) => train(ctx, spec, data, { out: values.out ?? null, quiet: values.quiet ?? false, profile: values.profile ?? false }));
    }
    case 'gradients': {
      const spec = readSpec(values.config, {});
      for (const k of ['weights', 'batch', 'out'] as const) if (!values[k]) throw new UsageError(`--${k} is required`);
      return withDevice((ctx) => gradients(ctx, spec, values.weights!, values.batch!, values.out!));
    }
    case 'export': {
      const spec = readSpec(values.config, values);
      if (!values.out) throw new UsageError('--out is required');
      return exportRun(spec, await loadDataset(spec.data, spec.seed), { out: values.out, config: values.config!, weights: values.weights });
    }
    case undefined:
      console.error(USAGE);
      return 2;
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

// The exit code is set, not forced: a clean process ends by itself once the device is destroyed
// (tests/cli checks it does, within seconds).
main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e) => {
    const err = e as Error;
    console.error(`gradscope: ${err.message}${err instanceof UsageError || err.name === 'TypeError' ? '\n\n' + USAGE : ''}`);
    if (process.env.GRADSCOPE_DEBUG) console.error(err.stack);
    process.exitCode = err instanceof UsageError ? 2 : 1;
  },
);
