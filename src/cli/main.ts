// The headless command line: `gradscope <command>`. Built by vite.cli.config.ts (so WGSL ?raw
// imports work): `npm run cli -- <command>` or, after a build, `npx gradscope <command>`.
// Bad input exits non-zero with one clear line; GRADSCOPE_DEBUG=1 adds the stack trace.
import { GpuContext } from '../gpu/context';
import { openNodeDevice } from '../gpu/node';
import { selfCheck } from '../gpu/selfcheck';
import { loadDataset } from '../engine/dataset';
import { describeModel } from '../engine/model';
import { type Spec } from '../engine/spec';
import { specSchema } from '../engine/spec_schema';
import { isGanSpec, parseRunSpec, type GanSpec } from '../engine/gan/spec';
import { makeGanDataset } from '../engine/gan/data';
import { parseCommandLine, required, CliError, type Args } from './args';
import { diagnose, specBeside } from './diagnose';
import { exportRun } from './export';
import { exportGan } from './export_gan';
import { prepareOutputFile, prepareOutputFolder, readInput, readJson } from './files';
import { gradientsGan, trainGan } from './gan';
import { gradients, NonFiniteError, prepareGradients } from './gradients';
import { train } from './train';

const USAGE = `usage: gradscope <command> [options]

commands:
  info                                   adapter, features, limits and a kernel self-check
  train --config run.json [--steps N] [--seed S] [--out DIR] [--quiet] [--profile]
                                         train; print per-layer gradient norms at the start and the end;
                                         with --out, write metrics.csv, metrics.jsonl and model.safetensors;
                                         --profile times every kernel and prints the table (and trace.json
                                         for chrome://tracing / ui.perfetto.dev with --out); a GAN spec (gan in place of
                                         model) prints both networks and writes both, plus samples.csv
  gradients --config run.json --weights w.safetensors --batch b.safetensors --out g.safetensors
                                         one forward and backward pass on the given weights and batch
                                         (x: F32 [B, input]; y: I32 [B] labels for cross_entropy, F32 [B, outputs] otherwise);
                                         writes every parameter's gradient under its own name, the loss in the metadata;
                                         for a GAN spec (gan in place of model) the batch holds z F32 [B, latent] and
                                         x F32 [B, features]: D-loss gradients of discriminator.*, G-loss gradients of
                                         generator.*, d_loss and g_loss in the metadata
  export --config run.json --out DIR [--weights model.safetensors] [--steps N] [--seed S]
                                         write the run as a PyTorch project: DIR/train.py trains the same run
                                         (same initial weights or --weights, data and batch order) with python3
                                         or torchrun, writing metrics.jsonl and a checkpoint gradscope reads;
                                         a GAN spec: both networks, the same noise z and adversarial step (python3 only)
  diagnose RUN/metrics.jsonl [--config run.json]
                                         the Diagnosis over a finished run of either origin (gradscope train,
                                         an exported train.py, gradscope_torch.py); the spec from --config or
                                         from the model.safetensors beside the file
  schema                                 print the JSON Schema of run specs (schema/run.schema.json)`;

function readSpec(args: Args): Spec | GanSpec {
  const o = readJson('config', required(args, 'config'));
  if (o !== null && typeof o === 'object' && !Array.isArray(o)) {
    for (const k of ['steps', 'seed'] as const) if (args.ints[k] !== undefined) (o as Record<string, unknown>)[k] = args.ints[k];
  }
  const spec = parseRunSpec(o); // a GAN spec's widths are checked as it is parsed
  if (!isGanSpec(spec)) describeModel(spec as Spec); // width mismatches are spec errors too: report them before touching the GPU
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
  const args = parseCommandLine(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  switch (args.command) {
    case 'info':
      return withDevice(info);
    case 'train': {
      const spec = readSpec(args);
      const out = args.paths.out ?? null;
      if (out) prepareOutputFolder('out', out);
      const opts = { out, quiet: args.flags.quiet ?? false, profile: args.flags.profile ?? false };
      if (isGanSpec(spec)) {
        const gan = spec as GanSpec;
        return withDevice((ctx) => trainGan(ctx, gan, makeGanDataset(gan.data, gan.seed), opts));
      }
      const data = await loadDataset((spec as Spec).data, spec.seed);
      return withDevice((ctx) => train(ctx, spec as Spec, data, opts));
    }
    case 'gradients': {
      const spec = readSpec(args);
      const weights = readInput('weights', required(args, 'weights'));
      const batch = readInput('batch', required(args, 'batch'));
      const out = required(args, 'out');
      prepareOutputFile('out', out);
      const input = { weights, batch, batchName: args.paths.batch!, weightsName: args.paths.weights! };
      if (isGanSpec(spec)) return withDevice((ctx) => gradientsGan(ctx, spec as GanSpec, input, out));
      const prepared = prepareGradients(spec as Spec, input);
      return withDevice((ctx) => gradients(ctx, prepared, out));
    }
    case 'export': {
      const read = readSpec(args);
      const out = required(args, 'out');
      const weights = args.paths.weights === undefined ? undefined : { name: args.paths.weights, bytes: readInput('weights', args.paths.weights) };
      prepareOutputFolder('out', out);
      if (isGanSpec(read)) {
        const gan = read as GanSpec;
        return exportGan(gan, makeGanDataset(gan.data, gan.seed), { out, config: args.paths.config!, weights });
      }
      const spec = read as Spec;
      return exportRun(spec, await loadDataset(spec.data, spec.seed), { out, config: args.paths.config!, weights });
    }
    case 'diagnose': {
      const metrics = required(args, 'metrics');
      const bytes = readInput('metrics', metrics);
      const spec = args.paths.config === undefined ? specBeside(metrics) : readSpec(args);
      if (isGanSpec(spec)) throw new CliError('diagnose reads single-network runs; a GAN spec (gan in place of model) has no rules here yet', false);
      return diagnose(metrics, bytes, spec as Spec);
    }
    case 'schema':
      console.log(JSON.stringify(specSchema(), null, 2));
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

/** One line of at most 400 characters: a message never floods the terminal. */
const oneLine = (s: string) => {
  const line = s.replace(/\s*\n\s*/g, ' ').trim();
  return line.length > 400 ? `${line.slice(0, 400)}…` : line;
};

function fail(e: unknown): void {
  const err = e instanceof Error ? e : new Error(String(e));
  // A TypeError and its kin are our bugs; every other error is about the input and says so itself.
  const known = !(err instanceof TypeError || err instanceof ReferenceError || err instanceof RangeError || err instanceof SyntaxError);
  console.error(`gradscope: ${known ? '' : 'internal error: '}${oneLine(err.message)}`);
  if (err instanceof CliError && err.usage) console.error('see gradscope --help');
  else if (!known && !process.env.GRADSCOPE_DEBUG) console.error('(GRADSCOPE_DEBUG=1 prints where it happened)');
  if (process.env.GRADSCOPE_DEBUG) console.error(err.stack);
  process.exitCode = err instanceof CliError ? 2 : err instanceof NonFiniteError ? 3 : 1;
  // Every error path ends the process in bounded time, whatever native handle is still open.
  setTimeout(() => process.exit(), 5000).unref();
}

process.on('unhandledRejection', fail);
// The exit code is set, not forced: a clean process ends by itself once the device is destroyed
// (tests/cli checks it does, within seconds).
main(process.argv.slice(2)).then((code) => (process.exitCode = code), fail);
