// `gradscope export` of a GAN spec: python/gan_train_template.py filled with both networks (the
// layer rules of pytorch.ts, each network under its checkpoint prefix), their optimizers and
// clipping, and the loss terms of src/engine/gan/trainer.ts; beside it the Python helpers, the
// spec, the target samples gradscope generates (data.safetensors: train.x, train.labels = the mode
// each sample came from) and both networks' initial weights (seeded, or from --weights).
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import ganTemplate from '../../python/gan_train_template.py?raw';
import { tensorsOf } from '../engine/checkpoint';
import type { Dataset } from '../engine/data';
import { validateGanCheckpoint } from '../engine/gan/checkpoint';
import { describeGan, type GanSpec, type NetName } from '../engine/gan/spec';
import { ganInitialRng, ganTerms } from '../engine/gan/trainer';
import type { GanLossTerm } from '../kernels/gan_losses';
import { initialParameters } from '../engine/initial';
import type { ModelInfo } from '../engine/model';
import { f32Tensor, SafetensorsError, writeSafetensors, type StTensor } from '../engine/safetensors';
import { PYTHON_HELPERS, type ExportWeights } from './export';
import { clipSource, fillTemplate, layerClasses, moduleList, optimizerSource } from './pytorch';

const NETS: NetName[] = ['generator', 'discriminator'];

/** A loss term as the template's (kind, target) pair. */
const term = (t: GanLossTerm) => `('${t.kind}', ${'target' in t ? t.target : 'None'})`;

function netClass(name: string, doc: string, model: ModelInfo, arg: string): string {
  return `class ${name}(nn.Module):
    """${doc}"""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
${moduleList(model.layers, model, '            ')}
        )

    def forward(self, ${arg}):
        return self.layers(${arg})`;
}

function modelSource(spec: GanSpec, models: Record<NetName, ModelInfo>): string {
  return [
    netClass('Generator', `gan.generator of run.json: z [batch, ${spec.gan.latent}] to a sample [batch, ${models.generator.output}].`, models.generator, 'z'),
    netClass('Discriminator', `gan.discriminator of run.json: a sample [batch, ${models.discriminator.input}] to one logit [batch, 1].`, models.discriminator, 'x'),
    `class GAN(nn.Module):
    """Both networks; state_dict names generator.layers.i.* and discriminator.layers.i.*, as gradscope's GAN checkpoints."""

    def __init__(self):
        super().__init__()
        self.generator = Generator()
        self.discriminator = Discriminator()`,
  ].join('\n\n\n');
}

/** train.py of a GAN spec (exported from `configName`). */
export function ganTrainScript(spec: GanSpec, models: Record<NetName, ModelInfo>, configName: string): string {
  const classes = [...new Set(NETS.flatMap((n) => [...layerClasses(models[n].layers, models[n])]))].sort();
  const terms = ganTerms(spec.gan.generator_loss);
  const { gan } = spec;
  const constants = [
    `STEPS = ${spec.steps}`, `BATCH_SIZE = ${spec.batch_size}`, `SEED = ${spec.seed}  # gradscope's batch order and noise; PyTorch's dropout masks`,
    `LOG_EVERY = ${spec.log_every}`, `LATENT = ${gan.latent}`, `NOISE = '${gan.noise}'  # z ~ ${gan.noise === 'gaussian' ? 'N(0, I)' : 'U(−1, 1)'}`,
    `D_STEPS = ${gan.d_steps}  # discriminator updates per generator update`,
    `FREEZE_GENERATOR_AFTER = ${gan.freeze_generator_after ?? 'None'}  # from this step on G's gradients are computed and logged, never applied`,
    `# generator_loss ${gan.generator_loss}: (kind, target) of D's loss on real and generated samples, and of G's loss`,
    `TERMS = {'real': ${term(terms.real)}, 'fake': ${term(terms.fake)}, 'generator': ${term(terms.generator)}}`,
  ];
  return fillTemplate(ganTemplate, 'python/gan_train_template.py', {
    config: configName,
    imports: classes.length ? `from gradscope_layers import ${classes.join(', ')}  # noqa: E402` : '',
    constants: constants.join('\n'),
    model: modelSource(spec, models),
    optimizer: `${optimizerSource(spec.optimizer_g, 'make_optimizer_g')}\n\n\n${optimizerSource(spec.optimizer_d, 'make_optimizer_d')}`,
    clip: `${clipSource(spec.clip_g, 'clip_gradients_g')}\n\n\n${clipSource(spec.clip_d, 'clip_gradients_d')}`,
  });
}

/** Both networks' initial tensors: seeded as GanTrainer initialises them, or a GAN checkpoint's. */
function initialTensors(spec: GanSpec, models: Record<NetName, ModelInfo>, weights?: ExportWeights): Record<string, StTensor> {
  let parts: { net: NetName; params: Float32Array; states: Float32Array }[];
  if (weights) {
    try {
      parts = validateGanCheckpoint(models, weights.bytes).parts;
    } catch (e) {
      if (e instanceof SafetensorsError) throw new SafetensorsError(`--weights ${weights.name}: ${e.message}`);
      throw e;
    }
  } else {
    parts = NETS.map((net) => ({ net, ...initialParameters(models[net], ganInitialRng(spec.seed, net)) }));
  }
  return Object.assign({}, ...parts.map(({ net, params, states }) => tensorsOf(models[net], 0, params, states)));
}

export function exportGan(spec: GanSpec, data: Dataset, opts: { out: string; config: string; weights?: ExportWeights }): number {
  const models = describeGan(spec);
  const init = initialTensors(spec, models, opts.weights);
  const { train } = data;
  const samples = writeSafetensors({
    'train.x': f32Tensor([train.n, data.features], train.x),
    'train.labels': { dtype: 'I64', shape: [train.n], data: new Uint8Array(BigInt64Array.from(train.labels, BigInt).buffer) },
  }, { format: 'gradscope-gan-data', name: data.name });
  mkdirSync(opts.out, { recursive: true });
  const files: Record<string, string | Uint8Array> = {
    'train.py': ganTrainScript(spec, models, basename(opts.config)),
    ...PYTHON_HELPERS,
    'run.json': JSON.stringify(spec, null, 2) + '\n',
    'data.safetensors': samples,
    'init.safetensors': writeSafetensors(init, { format: 'gradscope-gan', spec: JSON.stringify(spec), step: '0' }),
  };
  for (const [name, content] of Object.entries(files)) writeFileSync(join(opts.out, name), content);
  console.log(`gan: generator ${models.generator.paramCount.toLocaleString()} parameters, discriminator ${models.discriminator.paramCount.toLocaleString()}; data ${data.name}: ${train.n} samples`);
  console.log(`initial weights: ${opts.weights ? `from ${opts.weights.name}` : `seed ${spec.seed}`}`);
  console.log(`wrote ${Object.keys(files).join(', ')} to ${opts.out}\nrun: python3 ${join(opts.out, 'train.py')}   (one process: no torchrun for GANs)`);
  return 0;
}
