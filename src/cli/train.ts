// `gradscope train --config run.json [--steps N] [--seed S] [--out DIR]` (main.ts has checked DIR is writable)
import { writeFileSync, appendFileSync } from 'node:fs';
import { join } from 'node:path';
import type { GpuContext } from '../gpu/context';
import { saveCheckpoint } from '../engine/checkpoint';
import { Diagnoser, formatReport } from '../engine/diagnosis';
import { trainSteps } from '../engine/loop';
import type { StepRecord } from '../engine/diagnostics';
import { Trainer } from '../engine/trainer';
import type { Spec } from '../engine/spec';
import type { Dataset } from '../engine/data';

export interface TrainOptions {
  out: string | null;
  quiet: boolean;
  /** Time every kernel (one pass each, timestamp queries) and print the table at the end. */
  profile: boolean;
}

const CSV_HEAD = 'step,loss,accuracy,global_grad_norm';

function csvRow(r: StepRecord): string {
  return [r.step, r.loss, r.accuracy ?? '', r.globalGradNorm, ...r.params.map((p) => p.gradNorm)].join(',');
}

export function gradNormTable(r: StepRecord): string {
  const width = Math.max(...r.params.map((p) => p.name.length), 9);
  const lines = [`${'parameter'.padEnd(width)}  ${'grad norm'.padStart(11)}  ${'weight norm'.padStart(11)}  ${'update/weight'.padStart(13)}`];
  for (const p of r.params) {
    lines.push(`${p.name.padEnd(width)}  ${p.gradNorm.toExponential(3).padStart(11)}  ${p.weightNorm.toExponential(3).padStart(11)}  ${p.updateRatio.toExponential(2).padStart(13)}`);
  }
  return lines.join('\n');
}

/** "N steps applied in S s (R steps/s)", and how many were skipped after a non-finite stop. */
export function appliedSummary(trainer: { step: number; stopped: { step: number } | null }, seconds: number): string {
  // After a non-finite step the guard skips every update: those steps were submitted, not applied.
  const applied = trainer.stopped ? trainer.stopped.step - 1 : trainer.step;
  const skipped = trainer.step - applied;
  return `${applied} step${applied === 1 ? '' : 's'} applied in ${seconds.toFixed(1)} s (${(applied / seconds).toFixed(1)} steps/s)${skipped ? `; ${skipped} more submitted and skipped from step ${applied + 1}` : ''}`;
}

function bar(done: number, total: number, r: StepRecord | null, rate: number): string {
  const width = 24;
  const filled = Math.round((done / Math.max(1, total)) * width);
  const loss = r ? ` loss ${r.loss.toFixed(4)}${r.accuracy !== null ? ` acc ${(100 * r.accuracy).toFixed(1)}%` : ''}` : '';
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}${loss} ${rate.toFixed(1)} steps/s`;
}

export async function train(ctx: GpuContext, spec: Spec, dataset: Dataset, opts: TrainOptions): Promise<number> {
  const trainer = await Trainer.create(ctx, spec, dataset);
  const log = (s: string) => { if (!opts.quiet) process.stderr.write(s); };
  const tty = process.stderr.isTTY;
  try {
    if (opts.out) {
      writeFileSync(join(opts.out, 'metrics.csv'), `${CSV_HEAD},${trainer.model.params.map((p) => `grad_norm:${p.name}`).join(',')}\n`);
      writeFileSync(join(opts.out, 'metrics.jsonl'), '');
    }
    let first: StepRecord | null = null;
    let last: StepRecord | null = null;
    const diagnosis = new Diagnoser(spec, undefined, trainer.model.params.filter((p) => p.role === 'weight').map((p) => p.name));
    trainer.onStep((r) => {
      first ??= r;
      last = r;
      // A finding is announced once, when it first appears (README: Diagnosis).
      for (const f of diagnosis.push(r)) if (!diagnosis.history.some((h) => h.kind === f.kind && h.since_step < f.since_step)) log(`${tty ? '\r\x1b[K' : ''}diagnosis at step ${r.step}: ${f.kind}: ${f.evidence}\n`);
      if (opts.out) {
        const { logits: _logits, histograms, ...rest } = r;
        const findings = diagnosis.current.map(({ advice: _advice, ...f }) => f);
        appendFileSync(join(opts.out, 'metrics.jsonl'), JSON.stringify({ ...rest, histograms: histograms.map((h) => ({ name: h.name, counts: Array.from(h.counts) })), findings }) + '\n');
        appendFileSync(join(opts.out, 'metrics.csv'), csvRow(r) + '\n');
      }
    });
    if (opts.profile) trainer.startProfiling();
    console.log(`model: ${trainer.model.paramCount.toLocaleString()} parameters in ${trainer.model.params.length} tensors; data ${dataset.name}: ${dataset.train.n} train / ${dataset.test.n} held-out`);
    const t0 = performance.now();
    let lastPrint = 0;
    await trainSteps(trainer, spec.steps, {
      onStep: (step) => {
        const now = performance.now();
        if (now - lastPrint > (tty ? 200 : 5000) || step === spec.steps) {
          lastPrint = now;
          log(`${tty ? '\r' : ''}${bar(step, spec.steps, last, (step * 1000) / (now - t0))}${tty ? '' : '\n'}`);
        }
      },
    });
    if (tty) log('\n');
    const seconds = (performance.now() - t0) / 1000;
    if (trainer.stopped) {
      console.error(`gradscope: training stopped at step ${trainer.stopped.step}: non-finite values first in ${trainer.stopped.where}; parameters are those from before that step`);
    }
    if (first) console.log(`\ngradient norms at step ${(first as StepRecord).step}:\n${gradNormTable(first)}`);
    if (last) console.log(`\ngradient norms at step ${(last as StepRecord).step}:\n${gradNormTable(last)}`);
    if (diagnosis.stepsSeen) console.log(`\n${formatReport(diagnosis)}`);
    const evaluation = await trainer.evaluate();
    console.log(`\n${appliedSummary(trainer, seconds)}; held-out loss ${evaluation.loss.toFixed(4)}${evaluation.accuracy !== null ? `, accuracy ${(100 * evaluation.accuracy).toFixed(1)}%` : ''}`);
    if (trainer.profiler) {
      await trainer.profiler.flush();
      console.log(`\nprofile (diagnostics are off while profiling):\n${trainer.profiler.format()}`);
      if (opts.out) writeFileSync(join(opts.out, 'trace.json'), trainer.profiler.traceJson());
    }
    if (opts.out) {
      writeFileSync(join(opts.out, 'model.safetensors'), await saveCheckpoint(trainer));
      writeFileSync(join(opts.out, 'diagnosis.json'), JSON.stringify(diagnosis.report(), null, 2) + '\n');
      console.log(`wrote ${join(opts.out, 'metrics.csv')}, metrics.jsonl, diagnosis.json and model.safetensors`);
    }
    return trainer.stopped ? 3 : 0;
  } finally {
    trainer.dispose();
  }
}
