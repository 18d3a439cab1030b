// The model's architecture on the CPU: every layer with its input and output width, every
// parameter and buffer with its PyTorch name, shape and place in the flat parameter buffer.
// Built from a validated spec; width mismatches are SpecErrors naming the layer.
import { SpecError, type LayerSpec, type Spec } from './spec';

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
  role: 'weight' | 'bias' | 'gamma' | 'beta';
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
}

/** Width of the model's output, from the spec alone. */
export function lastWidth(spec: Spec): number {
  let width = spec.model.input;
  for (const l of spec.model.layers) if (l.type === 'dense') width = l.units;
  return width;
}

/** Describes the model; `outputs` (when given) is the width the loss and data need. */
export function describeModel(spec: Spec, outputs = lastWidth(spec)): ModelInfo {
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

  const build = (specs: LayerSpec[], width: number, path: string, prefix: string): { layers: LayerInfo[]; width: number } => {
    const layers: LayerInfo[] = [];
    specs.forEach((s, i) => {
      const layer: LayerInfo = { path: `${path}[${i}]`, prefix: `${prefix}.${i}`, spec: s, inWidth: width, outWidth: width, params: [], children: [] };
      flat.push(layer);
      switch (s.type) {
        case 'dense':
          layer.outWidth = s.units;
          addParam(layer, 'weight', 'weight', [s.units, width]);
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
      }
      width = layer.outWidth;
      layers.push(layer);
    });
    return { layers, width };
  };

  const { layers, width } = build(spec.model.layers, spec.model.input, 'model.layers', 'layers');
  if (width !== outputs) {
    throw new SpecError('model.layers', `a last layer of width ${outputs} (what loss "${spec.loss}" needs for data "${spec.data.name}")`, `width ${width}`);
  }
  return {
    input: spec.model.input, output: width, layers, params, states, flat,
    paramElements: Math.max(ALIGN_ELEMENTS, paramElements),
    paramCount: params.reduce((a, p) => a + p.size, 0),
    stateElements: Math.max(ALIGN_ELEMENTS, stateElements),
  };
}
