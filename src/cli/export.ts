// `gradscope export --config run.json --out DIR [--weights model.safetensors]`: the run as a
// self-contained PyTorch project. DIR gets train.py (src/cli/pytorch.ts), the Python helpers it
// imports, the run spec, the data splits gradscope generates for it and the initial weights
// (the seeded initialisation, or a checkpoint's to continue from). No GPU is needed.
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import dataPy from '../../python/gradscope_data.py?raw';
import layersPy from '../../python/gradscope_layers.py?raw';
import torchPy from '../../python/gradscope_torch.py?raw';
import { tensorsOf, validateCheckpoint } from '../engine/checkpoint';
import { outputsFor, targetsFor, type Dataset, type Split } from '../engine/data';
import { initialParameters, initialRng } from '../engine/initial';
import { describeModel, type ModelInfo } from '../engine/model';
import { f32Tensor, SafetensorsError, writeSafetensors, type StTensor } from '../engine/safetensors';
import { SpecError, type Spec } from '../engine/spec';
import { trainScript } from './pytorch';

/** The Python files every export carries, verbatim from python/. */
export const PYTHON_HELPERS = { 'gradscope_data.py': dataPy, 'gradscope_layers.py': layersPy, 'gradscope_torch.py': torchPy };

const i64 = (v: Int32Array, shape: number[]): StTensor => ({ dtype: 'I64', shape, data: new Uint8Array(BigInt64Array.from(v, BigInt).buffer) });

/** Both splits as safetensors: `{split}.x` F32, `{split}.y` the loss's targets, `{split}.labels` I64. */
export function dataFile(spec: Spec, data: Dataset, outputs: number): Uint8Array {
  const tensors: Record<string, StTensor> = {};
  const put = (name: string, s: Split) => {
    tensors[`${name}.x`] = f32Tensor([s.n, data.features], s.x);
    const y = targetsFor(spec.loss, data, s);
    tensors[`${name}.y`] = y instanceof Int32Array ? i64(y, [s.n]) : f32Tensor([s.n, outputs], y);
    tensors[`${name}.labels`] = i64(s.labels, [s.n]);
  };
  put('train', data.train);
  put('test', data.test);
  return writeSafetensors(tensors, { format: 'gradscope-data', name: data.name, classes: String(data.classes) });
}

/** A checkpoint to continue from: its bytes and the name errors give it. */
export interface ExportWeights { name: string; bytes: Uint8Array }

/** The checkpoint's parameters, validated against the model; errors name the file. */
function checkpointOf(model: ModelInfo, weights: ExportWeights): { params: Float32Array; states: Float32Array } {
  try {
    return validateCheckpoint(model, weights.bytes);
  } catch (e) {
    if (e instanceof SafetensorsError) throw new SafetensorsError(`--weights ${weights.name}: ${e.message}`);
    throw e;
  }
}

export function exportRun(spec: Spec, data: Dataset, opts: { out: string; config: string; weights?: ExportWeights }): number {
  const model = describeModel(spec, outputsFor(spec.loss, data));
  if (model.input !== data.features) throw new SpecError('model.input', `${data.features} (the features of data "${data.name}")`, model.input);
  const dataInit = model.flat.find((l) => l.spec.type === 'dense' && l.spec.weight_norm_init === 'data');
  if (dataInit && !opts.weights) {
    // The data-dependent init runs on the GPU; its result is a checkpoint like any other.
    throw new SpecError(`${dataInit.path}.weight_norm_init`, '"norm" to export without --weights (for "data": gradscope train --steps 0 --out DIR, then export --weights DIR/model.safetensors)', 'data');
  }
  const { params, states } = opts.weights ? checkpointOf(model, opts.weights) : initialParameters(model, initialRng(spec.seed));
  mkdirSync(opts.out, { recursive: true });
  const files: Record<string, string | Uint8Array> = {
    'train.py': trainScript(spec, model, basename(opts.config)),
    ...PYTHON_HELPERS,
    'run.json': JSON.stringify(spec, null, 2) + '\n',
    'data.safetensors': dataFile(spec, data, model.output),
    'init.safetensors': writeSafetensors(tensorsOf(model, 0, params, states), { format: 'gradscope', spec: JSON.stringify(spec), step: '0' }),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(opts.out, name), content);
  console.log(`model: ${model.paramCount.toLocaleString()} parameters in ${model.params.length} tensors; data ${data.name}: ${data.train.n} train / ${data.test.n} held-out`);
  console.log(`initial weights: ${opts.weights ? `from ${opts.weights.name}` : `seed ${spec.seed}`}`);
  console.log(`wrote ${Object.keys(files).join(', ')} to ${opts.out}\nrun: python3 ${join(opts.out, 'train.py')}   (or torchrun --standalone --nproc_per_node N ${join(opts.out, 'train.py')})`);
  return 0;
}
