// `gradscope train` and `gradscope gradients` on a GAN spec (`gan` in place of `model`).
// train: the progress bar, both networks' gradient norms at the first and last logged step,
// metrics.csv / metrics.jsonl (per network), model.safetensors (generator.* and discriminator.*)
// and samples.csv, G(z) of 2,000 fresh noise rows in eval mode; on ring and grid, mode coverage;
// the GAN diagnosis (src/engine/diagnosis/gan.ts) as findings appear and in diagnosis.json.
// gradients: one D loss and one G loss in training mode from a batch's z and x on given weights.
import { appendFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '../gpu/context';
import type { Dataset } from '../engine/data';
import type { StepRecord } from '../engine/diagnostics';
import { GanTrainer } from '../engine/gan/trainer';
import { formatReport } from '../engine/diagnosis';
import { GanDiagnoser } from '../engine/diagnosis/gan';
import { loadGanCheckpoint, saveGanCheckpoint } from '../engine/gan/checkpoint';
import { coverage, modeCentres } from '../engine/gan/data';
import type { GanStepRecord } from '../engine/gan/record';
import { GAN_FEATURES, type GanSpec } from '../engine/gan/spec';
import { trainSteps } from '../engine/loop';
import { asFloat32, f32Tensor, readSafetensors, SafetensorsError, writeSafetensors, type StTensor } from '../engine/safetensors';
import { appliedSummary, gradNormTable, type TrainOptions } from './train';
import { inFile, type GradientsInput } from './gradients';

export const SAMPLES = 2000;

const SCALAR_COLUMNS = ['d_loss', 'g_loss', 'd_real', 'd_fake', 'd_fake_for_g', 'g_output_grad_norm', 'g_global_grad_norm', 'd_global_grad_norm'];
const scalars = (r: GanStepRecord) => [r.dLoss, r.gLoss, r.dReal, r.dFake, r.dFakeForG, r.gOutputGradNorm, r.generator.globalGradNorm, r.discriminator.globalGradNorm];

function jsonRecord(r: StepRecord) {
  const { logits: _logits, histograms, ...rest } = r;
  return { ...rest, histograms: histograms.map((h) => ({ name: h.name, counts: Array.from(h.counts) })) };
}

function report(r: GanStepRecord): string {
  return `gradient norms at step ${r.step} (D(x) ${r.dReal.toFixed(4)}, D(G(z)) ${r.dFakeForG.toExponential(3)}, ‖∂L_G/∂G(z)‖ ${r.gOutputGradNorm.toExponential(3)}):\n` +
    `${gradNormTable(r.discriminator)}\n${gradNormTable(r.generator)}`;
}

export async function trainGan(ctx: GpuContext, spec: GanSpec, dataset: Dataset, opts: TrainOptions): Promise<number> {
  const trainer = await GanTrainer.create(ctx, spec, dataset);
  const log = (s: string) => { if (!opts.quiet) process.stderr.write(s); };
  const tty = process.stderr.isTTY;
  try {
    const names = [...trainer.models.discriminator.params, ...trainer.models.generator.params].map((p) => p.name);
    if (opts.out) {
      mkdirSync(opts.out, { recursive: true });
      writeFileSync(join(opts.out, 'metrics.csv'), `step,${SCALAR_COLUMNS.join(',')},${names.map((n) => `grad_norm:${n}`).join(',')}\n`);
      writeFileSync(join(opts.out, 'metrics.jsonl'), '');
    }
    let first: GanStepRecord | null = null;
    let last: GanStepRecord | null = null;
    const diagnosis = new GanDiagnoser(spec);
    trainer.onStep((r) => {
      first ??= r;
      last = r;
      // A finding is announced once, when it first appears (README: Diagnosis).
      for (const f of diagnosis.push(r)) if (!diagnosis.history.some((h) => h.kind === f.kind && h.since_step < f.since_step)) log(`${tty ? '\r\x1b[K' : ''}diagnosis at step ${r.step}: ${f.kind}: ${f.evidence}\n`);
      if (!opts.out) return;
      const { generator, discriminator, ...rest } = r;
      const findings = diagnosis.current.map(({ advice: _advice, ...f }) => f);
      appendFileSync(join(opts.out, 'metrics.jsonl'), JSON.stringify({ ...rest, discriminator: jsonRecord(discriminator), generator: jsonRecord(generator), findings }) + '\n');
      const norms = [...discriminator.params, ...generator.params].map((p) => p.gradNorm);
      appendFileSync(join(opts.out, 'metrics.csv'), [r.step, ...scalars(r), ...norms].join(',') + '\n');
    });
    if (opts.profile) trainer.startProfiling();
    const m = trainer.models;
    console.log(`gan: generator ${m.generator.paramCount.toLocaleString()} parameters, discriminator ${m.discriminator.paramCount.toLocaleString()}; ` +
      `loss ${spec.gan.generator_loss}, d_steps ${spec.gan.d_steps}; data ${dataset.name}: ${dataset.train.n} samples`);
    const t0 = performance.now();
    let lastPrint = 0;
    await trainSteps(trainer, spec.steps, {
      onStep: (step) => {
        const now = performance.now();
        if (now - lastPrint < (tty ? 200 : 5000) && step !== spec.steps) return;
        lastPrint = now;
        const filled = Math.round((step / Math.max(1, spec.steps)) * 24);
        const r = last as GanStepRecord | null;
        const losses = r ? ` d_loss ${r.dLoss.toFixed(4)} g_loss ${r.gLoss.toFixed(4)}` : '';
        log(`${tty ? '\r' : ''}[${'#'.repeat(filled)}${'.'.repeat(24 - filled)}] ${step}/${spec.steps}${losses} ${((step * 1000) / (now - t0)).toFixed(1)} steps/s${tty ? '' : '\n'}`);
      },
    });
    if (tty) log('\n');
    const seconds = (performance.now() - t0) / 1000;
    if (trainer.stopped) console.error(`gradscope: training stopped at step ${trainer.stopped.step}: non-finite values first in ${trainer.stopped.where}; parameters are those from before that step`);
    if (first) console.log(`\n${report(first)}`);
    if (last) console.log(`\n${report(last)}`);
    if (diagnosis.stepsSeen) console.log(`\n${formatReport(diagnosis)}`);
    const { x } = await trainer.sample(SAMPLES);
    const cov = modeCentres(spec.data.name).length ? coverage(x, spec.data) : null;
    console.log(`\n${appliedSummary(trainer, seconds)}` +
      (cov ? `; ${SAMPLES} samples: ${cov.modesHit}/${cov.modes} modes hit, ${(100 * cov.highQuality).toFixed(1)}% within 3σ of a mode` : ''));
    if (trainer.profiler) {
      await trainer.profiler.flush();
      console.log(`\nprofile (diagnostics are off while profiling):\n${trainer.profiler.format()}`);
      if (opts.out) writeFileSync(join(opts.out, 'trace.json'), trainer.profiler.traceJson());
    }
    if (opts.out) {
      writeFileSync(join(opts.out, 'model.safetensors'), await saveGanCheckpoint(trainer));
      const rows = Array.from({ length: SAMPLES }, (_, i) => `${x[2 * i]},${x[2 * i + 1]}`);
      writeFileSync(join(opts.out, 'samples.csv'), `x,y\n${rows.join('\n')}\n`);
      writeFileSync(join(opts.out, 'diagnosis.json'), JSON.stringify(diagnosis.report(), null, 2) + '\n');
      console.log(`wrote ${join(opts.out, 'metrics.csv')}, metrics.jsonl, diagnosis.json, model.safetensors and samples.csv`);
    }
    return trainer.stopped ? 3 : 0;
  } finally {
    trainer.dispose();
  }
}

function ganBatch(spec: GanSpec, bytes: Uint8Array): { z: Float32Array; data: Dataset } {
  const { tensors } = readSafetensors(bytes);
  const { z, x } = tensors;
  const L = spec.gan.latent;
  if (!z || !x) throw new SafetensorsError(`needs tensors "z" (F32 [B, ${L}]) and "x" (F32 [B, ${GAN_FEATURES}])`);
  if (z.shape.length !== 2 || z.shape[1] !== L) throw new SafetensorsError(`z has shape [${z.shape}], expected [B, ${L}]`);
  const B = z.shape[0];
  if (x.shape.length !== 2 || x.shape[0] !== B || x.shape[1] !== GAN_FEATURES) throw new SafetensorsError(`x has shape [${x.shape}], expected [${B}, ${GAN_FEATURES}]`);
  const split = { n: B, x: asFloat32(x, 'x'), labels: new Int32Array(B) };
  return { z: asFloat32(z, 'z'), data: { name: 'batch', features: GAN_FEATURES, classes: 0, train: split, test: split } };
}

export async function gradientsGan(ctx: GpuContext, spec: GanSpec, input: GradientsInput, outFile: string): Promise<number> {
  const { z, data } = inFile(`--batch ${input.batchName}`, () => ganBatch(spec, input.batch));
  const B = data.train.n;
  const trainer = await GanTrainer.create(ctx, { ...spec, batch_size: B }, data);
  try {
    inFile(`--weights ${input.weightsName}`, () => loadGanCheckpoint(trainer, input.weights));
    const g = await trainer.gradientsOn(z, Uint32Array.from({ length: B }, (_, i) => i));
    const out: Record<string, StTensor> = {};
    for (const net of ['generator', 'discriminator'] as const) {
      for (const p of trainer.models[net].params) out[p.name] = f32Tensor(p.shape, g.grads[net].slice(p.offset, p.offset + p.size));
    }
    writeFileSync(outFile, writeSafetensors(out, { d_loss: String(g.dLoss), g_loss: String(g.gLoss), format: 'gradscope-gan-gradients' }));
    console.log(`d_loss ${g.dLoss}, g_loss ${g.gLoss}; wrote ${Object.keys(out).length} gradients to ${outFile}`);
    return 0;
  } finally {
    trainer.dispose();
  }
}
