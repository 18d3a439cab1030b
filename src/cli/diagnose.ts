// `gradscope diagnose RUN/metrics.jsonl [--config run.json]`: the Diagnosis over a finished run's
// records, whoever wrote them (gradscope train, an exported train.py, any PyTorch loop with
// gradscope_torch.py). The rules also read the run's spec (activations, learning rate, clipping):
// --config, else the spec in the metadata of the model.safetensors beside the file, where both
// gradscope train and train.py put it. No GPU.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Diagnoser, formatReport } from '../engine/diagnosis';
import { parseRunFile, RunFileError } from '../engine/runfile';
import { readSafetensors } from '../engine/safetensors';
import { parseSpec, type Spec } from '../engine/spec';
import { CliError } from './args';

/** The run's spec from the checkpoint next to its metrics, or a CliError saying what is missing. */
export function specBeside(metricsPath: string): Spec {
  const checkpoint = join(dirname(metricsPath), 'model.safetensors');
  if (!existsSync(checkpoint)) throw new CliError(`${metricsPath}: no --config, and no model.safetensors beside it to read the run's spec from`, false);
  const spec = readSafetensors(readFileSync(checkpoint)).metadata.spec;
  if (spec === undefined) throw new CliError(`${checkpoint}: no spec in its metadata; give the run's spec with --config`, false);
  return parseSpec(JSON.parse(spec));
}

export function diagnose(metricsPath: string, metrics: Uint8Array, spec: Spec): number {
  let records;
  try {
    records = parseRunFile(new TextDecoder().decode(metrics));
  } catch (e) {
    if (e instanceof RunFileError) throw new RunFileError(`${metricsPath}: ${e.message}`);
    throw e;
  }
  // The weight tensors are those the file has histograms for (as the lab reads it).
  const weights = records[0].histograms.map((h) => h.name);
  const diagnosis = new Diagnoser(spec, undefined, weights.length ? weights : undefined);
  for (const r of records) diagnosis.push(r);
  console.log(`${metricsPath}: ${records.length} records, steps ${records[0].step}…${records.at(-1)!.step}`);
  console.log(formatReport(diagnosis));
  return 0;
}
