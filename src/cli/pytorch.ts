// The PyTorch train.py of a run spec: python/train_template.py with its slots filled, one slot per
// concern (constants, model, loss, optimizer, clipping). Each layer type has one rule in LAYERS,
// a map over every LayerSpec type, so a new layer type is a compile error here until it has one.
import trainTemplate from '../../python/train_template.py?raw';
import type { Activation } from '../kernels/activation_ids';
import type { LayerInfo, ModelInfo } from '../engine/model';
import type { LayerSpec, Spec } from '../engine/spec';

/** A Python literal for a finite number or a boolean. */
const py = (v: number | boolean) => (typeof v === 'boolean' ? (v ? 'True' : 'False') : String(v));

const ACTIVATION_MODULES: Record<Activation, string> = {
  identity: 'nn.Identity()', sigmoid: 'nn.Sigmoid()', tanh: 'nn.Tanh()', relu: 'nn.ReLU()',
  leaky_relu: 'nn.LeakyReLU(0.01)', elu: 'nn.ELU(alpha=1.0)', selu: 'nn.SELU()', gelu: 'nn.GELU()',
  gelu_tanh: "nn.GELU(approximate='tanh')", silu: 'nn.SiLU()', softplus: 'nn.Softplus(beta=1, threshold=20)', softsign: 'nn.Softsign()',
};

/** A layer as Python source: the module expression (possibly several lines) and its comment. */
interface Emitted { code: string; note?: string; uses?: string }
type Rule<K extends LayerSpec['type']> = (s: Extract<LayerSpec, { type: K }>, layer: LayerInfo, model: ModelInfo) => Emitted;

const recurrent = (cls: string) => (s: Extract<LayerSpec, { type: 'rnn' | 'lstm' | 'gru' }>, l: LayerInfo, m: ModelInfo): Emitted => {
  const args = [String(l.inWidth / m.time), String(s.units), `time=${m.time}`, `return_sequences=${py(s.return_sequences)}`];
  if (cls === 'RNN') args.push(`nonlinearity='${s.nonlinearity}'`);
  return { code: `${cls}(${args.join(', ')})`, note: `${s.type}, [batch, ${m.time}·${l.inWidth / m.time}] in, init ${s.init} (init.safetensors)`, uses: cls };
};

const LAYERS: { [K in LayerSpec['type']]: Rule<K> } = {
  dense: (s, l) => {
    const linear = `nn.Linear(${l.inWidth}, ${s.units}${s.bias ? '' : ', bias=False'})`;
    const note = `dense, init ${s.init} (init.safetensors)`;
    // w = g·v/‖v‖ per output row: weight_g [out, 1], weight_v [out, in], as gradscope's
    return s.weight_norm ? { code: `weight_norm(${linear})`, note: `${note}, weight norm`, uses: 'weight_norm' } : { code: linear, note };
  },
  activation: (s) => ({ code: ACTIVATION_MODULES[s.fn] }),
  batchnorm: (_, l) => ({ code: `nn.BatchNorm1d(${l.inWidth}, eps=1e-05, momentum=0.1)`, note: 'running variance unbiased, as gradscope' }),
  layernorm: (_, l) => ({ code: `nn.LayerNorm(${l.inWidth}, eps=1e-05)` }),
  dropout: (s) => ({ code: `nn.Dropout(p=${py(s.p)})`, note: 'masks are drawn by PyTorch, not gradscope' }),
  residual: (_, l, m) => ({ code: `Residual(\n${moduleList(l.children, m, '    ')}\n)`, note: 'x + layers(x)', uses: 'Residual' }),
  rnn: recurrent('RNN'),
  lstm: recurrent('LSTM'),
  gru: recurrent('GRU'),
};

function emit(layer: LayerInfo, model: ModelInfo): Emitted {
  return (LAYERS[layer.spec.type] as Rule<LayerSpec['type']>)(layer.spec, layer, model);
}

/** The layers as the lines of an nn.Sequential's arguments, each with its gradscope prefix. */
export function moduleList(layers: LayerInfo[], model: ModelInfo, indent: string): string {
  return layers.map((l) => {
    const { code, note } = emit(l, model);
    const comment = `  # ${l.prefix}${note ? `: ${note}` : ''}`;
    const lines = code.split('\n');
    if (lines.length === 1) lines[0] += `,${comment}`;
    else {
      lines[0] += comment;
      lines[lines.length - 1] += ',';
    }
    return lines.map((line) => indent + line).join('\n');
  }).join('\n');
}

export function layerClasses(layers: LayerInfo[], model: ModelInfo): Set<string> {
  const used = new Set<string>();
  const visit = (ls: LayerInfo[]) => ls.forEach((l) => { const u = emit(l, model).uses; if (u) used.add(u); visit(l.children); });
  visit(layers);
  return used;
}

function modelSource(spec: Spec, model: ModelInfo): string {
  const input = model.time > 1 ? `[batch, ${model.time}·${spec.model.input}] (a sequence [T, features] per row, flattened)` : `[batch, ${model.input}]`;
  return `class Model(nn.Module):
    """model.layers of run.json: state_dict names and layouts are gradscope's (layers.i.weight [out, in], ...)."""

    def __init__(self):
        super().__init__()
        self.layers = nn.Sequential(
${moduleList(model.layers, model, '            ')}
        )

    def forward(self, x):  # x: ${input}
        return self.layers(x)`;
}

function lossSource(spec: Spec): string {
  switch (spec.loss) {
    case 'cross_entropy': return 'loss_fn = nn.CrossEntropyLoss()  # softmax cross-entropy, mean over the batch; targets are class indices';
    case 'mse': return 'loss_fn = nn.MSELoss()  # mean over batch × outputs';
    case 'bce_with_logits': return 'loss_fn = nn.BCEWithLogitsLoss()  # mean over batch × outputs; targets 0 or 1';
  }
}

export function optimizerSource(o: Spec['optimizer'], name = 'make_optimizer'): string {
  const head = (what: string, call: string) => `def ${name}(params):\n    """${what}"""\n    return ${call}`;
  switch (o.type) {
    case 'sgd':
      return head('gradscope sgd (shaders/optimizers.wgsl): g += wd·θ; buf = μ·buf + g; θ -= lr·(nesterov ? g + μ·buf : buf): torch.optim.SGD, dampening 0.',
        `torch.optim.SGD(params, lr=${py(o.lr)}, momentum=${py(o.momentum)}, nesterov=${py(o.nesterov)}, weight_decay=${py(o.weight_decay)})`);
    case 'adam':
    case 'adamw':
      return head(`gradscope ${o.type}: θ -= lr/(1 − β1^t) · m / (√v/√(1 − β2^t) + ε), ${o.type === 'adam' ? 'weight decay added to the gradient (L2)' : 'decoupled decay θ *= 1 − lr·wd'}: torch.optim.${o.type === 'adam' ? 'Adam' : 'AdamW'}, the same update.`,
        `torch.optim.${o.type === 'adam' ? 'Adam' : 'AdamW'}(params, lr=${py(o.lr)}, betas=(${py(o.beta1)}, ${py(o.beta2)}), eps=${py(o.eps)}, weight_decay=${py(o.weight_decay)})`);
    case 'rmsprop':
      return head('gradscope rmsprop: v = α·v + (1 − α)·g²; step = g/(√v + ε); with momentum buf = μ·buf + step; θ -= lr·step: torch.optim.RMSprop, not centered.',
        `torch.optim.RMSprop(params, lr=${py(o.lr)}, alpha=${py(o.alpha)}, eps=${py(o.eps)}, momentum=${py(o.momentum)}, weight_decay=${py(o.weight_decay)})`);
  }
}

export function clipSource(clip: Spec['clip'], name = 'clip_gradients'): string {
  const lines = [`def ${name}(params):`];
  const what = clip.global_norm !== undefined
    ? `gradscope clip.global_norm (shaders/clip.wgsl): g *= min(1, ${py(clip.global_norm)}/(‖g‖ + 1e-6)) over all gradients, as clip_grad_norm_`
    : 'No clip.global_norm: only ‖g‖ over all gradients, for the non-finite guard';
  lines.push(`    """${what}${clip.value !== undefined ? `; then clip.value clamps each g to ±${py(clip.value)}` : ''}. Returns ‖g‖ before clipping."""`);
  lines.push('    params = list(params)');
  lines.push(`    norm = nn.utils.clip_grad_norm_(params, max_norm=${clip.global_norm !== undefined ? py(clip.global_norm) : 'math.inf'})`);
  if (clip.value !== undefined) lines.push(`    nn.utils.clip_grad_value_(params, clip_value=${py(clip.value)})`);
  lines.push('    return norm');
  return lines.join('\n');
}

/** train.py for `spec` (exported from `configName`). */
export function trainScript(spec: Spec, model: ModelInfo, configName: string): string {
  const classes = [...layerClasses(model.layers, model)].sort();
  const slots: Record<string, string> = {
    config: configName,
    imports: classes.length ? `from gradscope_layers import ${classes.join(', ')}  # noqa: E402` : '',
    constants: [`STEPS = ${spec.steps}`, `BATCH_SIZE = ${spec.batch_size}`, `SEED = ${spec.seed}  # gradscope's batch order; PyTorch's dropout masks`, `LOG_EVERY = ${spec.log_every}`].join('\n'),
    model: modelSource(spec, model),
    loss: lossSource(spec),
    optimizer: optimizerSource(spec.optimizer),
    clip: clipSource(spec.clip),
  };
  return fillTemplate(trainTemplate, 'python/train_template.py', slots);
}

/** A template with its {{slots}} filled; a slot the template names but `slots` lacks is a bug. */
export function fillTemplate(template: string, file: string, slots: Record<string, string>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, name: string) => {
    if (!(name in slots)) throw new Error(`${file}: no slot "${name}"`);
    return slots[name];
  }).replace(/\n{4,}/g, '\n\n\n');
}
