// `gradscope gradients --config run.json --weights w.safetensors --batch b.safetensors --out g.safetensors`
// One forward and backward pass in training mode on the given weights and batch; writes the
// gradient of every parameter under the parameter's own name, the loss in the metadata. This is
// how users check gradscope against another framework.
import { writeFileSync } from 'node:fs';
import type { GpuContext } from '../gpu/context';
import { loadCheckpoint, validateCheckpoint } from '../engine/checkpoint';
import { outputsFor, type Dataset } from '../engine/data';
import { describeModel, lastWidth } from '../engine/model';
import { asFloat32, f32Tensor, readSafetensors, SafetensorsError, writeSafetensors, type StTensor } from '../engine/safetensors';
import type { Spec } from '../engine/spec';
import { Trainer } from '../engine/trainer';

function batchDataset(spec: Spec, bytes: Uint8Array, file: string): Dataset {
  const { tensors } = readSafetensors(bytes);
  const x = tensors.x;
  const y = tensors.y;
  if (!x || !y) throw new SafetensorsError(`needs tensors "x" (f32 [B, ${spec.model.input}]) and "y"`);
  const width = describeModel(spec).input; // T·F for recurrent models
  if (x.shape.length !== 2 || x.shape[1] !== width) throw new SafetensorsError(`x has shape [${x.shape}], expected [B, ${width}]`);
  const B = x.shape[0];
  const outputs = lastWidth(spec);
  let labels = new Int32Array(B);
  let values: Float32Array | undefined;
  if (spec.loss === 'cross_entropy') {
    if (y.dtype !== 'I32' || y.shape.length !== 1 || y.shape[0] !== B) throw new SafetensorsError(`y must be I32 [${B}] class labels for cross_entropy, got ${y.dtype} [${y.shape}]`);
    labels = new Int32Array(y.data.slice().buffer);
    const bad = labels.findIndex((l) => l < 0 || l >= outputs);
    if (bad >= 0) throw new SafetensorsError(`y[${bad}] = ${labels[bad]} is not a class in [0, ${outputs})`);
  } else {
    if (y.shape.length !== 2 || y.shape[0] !== B || y.shape[1] !== outputs) throw new SafetensorsError(`y must be F32 [${B}, ${outputs}], got ${y.dtype} [${y.shape}]`);
    values = asFloat32(y, 'y');
  }
  const split = { n: B, x: asFloat32(x, 'x'), labels, values };
  // The batch is the whole data set: the model's own widths decide, no built-in data set takes part.
  const classes = spec.loss === 'cross_entropy' ? outputs : 0;
  return { name: file, features: width, classes, outputs: classes ? undefined : outputs, train: split, test: split };
}

export interface GradientsInput {
  weights: Uint8Array;
  batch: Uint8Array;
  batchName: string;
  weightsName: string;
}

/** A pass that overflowed: exit code 3, as for a training run stopped by non-finite values. */
export class NonFiniteError extends Error {
  override name = 'NonFiniteError';
}

/** Runs `fn`, naming the file in any safetensors error it throws. */
export function inFile<T>(file: string, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    if (e instanceof SafetensorsError) throw new SafetensorsError(`${file}: ${e.message}`);
    throw e;
  }
}

export interface PreparedGradients {
  spec: Spec;
  data: Dataset;
  input: GradientsInput;
}

/** Validates the batch and the weights against the model before any GPU work (bad files fail fast). */
export function prepareGradients(spec: Spec, input: GradientsInput): PreparedGradients {
  const data = inFile(`--batch ${input.batchName}`, () => batchDataset(spec, input.batch, input.batchName));
  const batchSpec = { ...spec, batch_size: data.train.n };
  inFile(`--weights ${input.weightsName}`, () => validateCheckpoint(describeModel(batchSpec, outputsFor(spec.loss, data)), input.weights));
  return { spec: batchSpec, data, input };
}

export async function gradients(ctx: GpuContext, { spec, data, input }: PreparedGradients, outFile: string): Promise<number> {
  const trainer = await Trainer.create(ctx, spec, data);
  try {
    inFile(`--weights ${input.weightsName}`, () => loadCheckpoint(trainer, input.weights));
    const { loss, grads } = await trainer.gradientsOn(Uint32Array.from({ length: data.train.n }, (_, i) => i));
    // Inputs are finite (refused otherwise): a non-finite result is an overflow inside the net.
    if (!Number.isFinite(loss)) throw new NonFiniteError(`the loss is ${loss} on this batch (an overflow in the forward pass); nothing written`);
    const bad = [...trainer.model.params].reverse().find((p) => grads.subarray(p.offset, p.offset + p.size).some((g) => !Number.isFinite(g)));
    if (bad) throw new NonFiniteError(`the gradient of ${bad.name} is not finite (the first the backward pass reached); nothing written`);
    const tensors: Record<string, StTensor> = {};
    for (const p of trainer.model.params) tensors[p.name] = f32Tensor(p.shape, grads.slice(p.offset, p.offset + p.size));
    writeFileSync(outFile, writeSafetensors(tensors, { loss: String(loss), format: 'gradscope-gradients' }));
    console.log(`loss ${loss}; wrote ${trainer.model.params.length} gradients to ${outFile}`);
    return 0;
  } finally {
    trainer.dispose();
  }
}
