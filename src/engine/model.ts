// The model's architecture on the CPU: every layer with its input and output width, every
// parameter and buffer with its PyTorch name, shape and place in the flat parameter buffer.
// Built from a validated spec; width mismatches are SpecErrors naming the layer.
import { isRecurrent, isSequenceData, SEQUENCE_DATASETS, SpecError, type LayerSpec, type Spec } from './spec';

/** Gate blocks of each recurrent layer type (PyTorch: RNN 1; LSTM i, f, g, o; GRU r, z, n). */
export const RECURRENT_GATES = { rnn: 1, lstm: 4, gru: 3 } as const;

/** Binding offsets must be multiples of 256 bytes: every tensor starts on a 64-element boundary. */
export const ALIGN_ELEMENTS = 64;
export const alignUp = (n: number) => Math.ceil(n / ALIGN_ELEMENTS) * ALIGN_ELEMENTS;

export interface ParamInfo {
  /** PyTorch state_dict name, e.g. "layers.3.weight" or "layers.4.layers.0.bias". */
  name: string;
  shape: number[];
  size: number;
  /** Element offset in the flat parameter (and gradient) buffer. */
  offset: number;
  /**
   * A weight matrix (a weight-normalised dense layer's is its direction weight_v, so per-layer
   * charts show one weight per layer), its gain weight_g, a bias, or a norm layer's γ and β.
   */
  role: 'weight' | 'gain' | 'bias' | 'gamma' | 'beta';
  layer: LayerInfo;
}

export interface StateInfo {
  /** running_mean / running_var of batch norm: saved, not trained. */
  name: string;
  size: number;
  offset: number;
  layer: LayerInfo;
}

export interface LayerInfo {
  /** Path in the spec ("model.layers[4].layers[0]") and PyTorch prefix ("layers.4.layers.0"). */
  path: string;
  prefix: string;
  spec: LayerSpec;
  inWidth: number;
  outWidth: number;
  params: ParamInfo[];
  children: LayerInfo[];
}

export interface ModelInfo {
  input: number;
  output: number;
  layers: LayerInfo[];
  params: ParamInfo[];
  /** Total length of the flat parameter buffer (with alignment padding). */
  paramElements: number;
  /** Parameter count without padding. */
  paramCount: number;
  states: StateInfo[];
  stateElements: number;
  /** Layers in forward order, residual children included (each once). */
  flat: LayerInfo[];
  /**
   * Time steps T of a sequence model (one with recurrent layers; data.seq_len), else 1. A
   * sequence model's input rows are [T, model.input] flattened: `input` is T·model.input wide.
   */
  time: number;
}

/**
 * T of a sequence model (1 if it has no recurrent layer): model.seq_len, else the sequence task's
 * data.seq_len; a SpecError if neither says.
 */
export function modelTime(spec: Spec): number {
  const i = spec.model.layers.findIndex(isRecurrent);
  if (i < 0) return 1;
  if (spec.model.seq_len) return spec.model.seq_len;
  if (!isSequenceData(spec.data.name) || !spec.data.seq_len) {
    throw new SpecError('model.seq_len', `the time steps T of the ${spec.model.layers[i].type} layer at model.layers[${i}] (or a sequence task: data.name ${SEQUENCE_DATASETS.join(', ')})`, spec.model.seq_len);
  }
  return spec.data.seq_len;
}

/** Width of the model's output, from the spec alone. */
export function lastWidth(spec: Spec): number {
  const T = modelTime(spec);
  let width = spec.model.input * T;
  for (const l of spec.model.layers) {
    if (l.type === 'dense') width = l.units;
    else if (isRecurrent(l)) width = l.return_sequences ? T * l.units : l.units;
  }
  return width;
}

/**
 * Describes the model; `outputs` (when given) is the width the loss and data need, `why` says who
 * needs it in the error when the model ends at another width. `names` puts the layers under
 * another spec path and PyTorch prefix (a GAN's "generator.layers").
 */
export function describeModel(spec: Spec, outputs = lastWidth(spec), names = { path: 'model.layers', prefix: 'layers' }, why = `what loss "${spec.loss}" needs for data "${spec.data.name}"`): ModelInfo {
  const params: ParamInfo[] = [];
  const states: StateInfo[] = [];
  const flat: LayerInfo[] = [];
  let paramElements = 0;
  let stateElements = 0;

  const addParam = (layer: LayerInfo, role: ParamInfo['role'], suffix: string, shape: number[]) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const p: ParamInfo = { name: `${layer.prefix}.${suffix}`, shape, size, offset: paramElements, role, layer };
    paramElements += alignUp(size);
    layer.params.push(p);
    params.push(p);
  };
  const addState = (layer: LayerInfo, suffix: string, size: number) => {
    states.push({ name: `${layer.prefix}.${suffix}`, size, offset: stateElements, layer });
    stateElements += alignUp(size);
  };

  const time = modelTime(spec);
  // Per-step features while the width is still a sequence [T, features]; null once a dense layer
  // or a last-step recurrent output has mixed or dropped the time axis.
  let stepFeatures: number | null = spec.model.layers.some(isRecurrent) ? spec.model.input : null;
  const build = (specs: LayerSpec[], width: number, path: string, prefix: string): { layers: LayerInfo[]; width: number } => {
    const layers: LayerInfo[] = [];
    specs.forEach((s, i) => {
      const layer: LayerInfo = { path: `${path}[${i}]`, prefix: `${prefix}.${i}`, spec: s, inWidth: width, outWidth: width, params: [], children: [] };
      flat.push(layer);
      switch (s.type) {
        case 'dense':
          layer.outWidth = s.units;
          if (s.weight_norm) {
            // torch.nn.utils.weight_norm(nn.Linear, dim=0) replaces weight by these two.
            addParam(layer, 'gain', 'weight_g', [s.units, 1]);
            addParam(layer, 'weight', 'weight_v', [s.units, width]);
          } else {
            addParam(layer, 'weight', 'weight', [s.units, width]);
          }
          if (s.bias) addParam(layer, 'bias', 'bias', [s.units]);
          break;
        case 'batchnorm':
        case 'layernorm':
          addParam(layer, 'gamma', 'weight', [width]);
          addParam(layer, 'beta', 'bias', [width]);
          if (s.type === 'batchnorm') {
            addState(layer, 'running_mean', width);
            addState(layer, 'running_var', width);
          }
          break;
        case 'residual': {
          const inner = build(s.layers, width, `${layer.path}.layers`, `${layer.prefix}.layers`);
          if (inner.width !== width) {
            throw new SpecError(`${layer.path}`, `a residual block whose layers end at its input width ${width}`, `a block ending at width ${inner.width}`);
          }
          layer.children = inner.layers;
          break;
        }
        case 'activation':
        case 'dropout':
          break;
        case 'rnn':
        case 'lstm':
        case 'gru': {
          if (stepFeatures === null || width !== time * stepFeatures) {
            throw new SpecError(layer.path, `a sequence input [${time}, features] (a first layer, or after a recurrent layer with return_sequences)`, `width ${width} without a time axis`);
          }
          const H = s.units;
          const GH = RECURRENT_GATES[s.type] * H;
          addParam(layer, 'weight', 'weight_ih_l0', [GH, stepFeatures]);
          addParam(layer, 'weight', 'weight_hh_l0', [GH, H]);
          addParam(layer, 'bias', 'bias_ih_l0', [GH]);
          addParam(layer, 'bias', 'bias_hh_l0', [GH]);
          layer.outWidth = s.return_sequences ? time * H : H;
          stepFeatures = s.return_sequences ? H : null;
          break;
        }
      }
      if (s.type === 'dense') stepFeatures = null;
      width = layer.outWidth;
      layers.push(layer);
    });
    return { layers, width };
  };

  const input = spec.model.input * time;
  const { layers, width } = build(spec.model.layers, input, names.path, names.prefix);
  if (width !== outputs) {
    throw new SpecError(names.path, `a last layer of width ${outputs} (${why})`, `width ${width}`);
  }
  return {
    input, output: width, layers, params, states, flat, time,
    paramElements: Math.max(ALIGN_ELEMENTS, paramElements),
    paramCount: params.reduce((a, p) => a + p.size, 0),
    stateElements: Math.max(ALIGN_ELEMENTS, stateElements),
  };
}
