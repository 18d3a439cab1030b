// Compiles the model's layers into GPU ops for one batch size: forward (training or eval mode)
// and, for training, backward in reverse order. Every buffer and op is built here once; a step
// only records them. Layer outputs are views into a few arenas (src/engine/arenas.ts), their
// gradients one tensor each; parameters and their gradients are views into the flat buffers the
// optimizer updates in one pass.
import type { GpuContext, Op } from '../gpu/context';
import { empty, Tensor } from '../gpu/tensor';
import { activationBackwardOp, activationOp } from '../kernels/activations';
import type { Activation } from '../kernels/activation_ids';
import { dropoutBackwardOp, dropoutForwardOp, type DropoutOp } from '../kernels/dropout';
import { addScaledOp } from '../kernels/elementwise';
import { matmulOp } from '../kernels/matmul';
import { batchNormBackwardOp, batchNormForwardOp, layerNormBackwardOp, layerNormForwardOp } from '../kernels/norm';
import { recurrentLayer, type Cell } from '../kernels/rnn';
import { weightNormOps } from '../kernels/weight_norm';
import { Arenas, arenaFor, arenaSizes } from './arenas';
import { alignUp, type LayerInfo, type ModelInfo, type ParamInfo } from './model';

export interface FlatBuffers {
  params: GPUBuffer;
  grads: GPUBuffer | null;
  states: GPUBuffer;
}

export interface Node {
  layer: LayerInfo;
  input: Tensor;
  output: Tensor;
  /**
   * Gradients w.r.t. input and output (training graphs only); an activation between two dense
   * layers has no dOutput (its backward is fused into the next layer's dX: see fusedGrad).
   */
  dInput: Tensor | null;
  dOutput: Tensor | null;
}

export interface Graph {
  batch: number;
  training: boolean;
  input: Tensor;
  output: Tensor;
  /** d loss / d output (training only): the loss kernel writes it. */
  dOutput: Tensor | null;
  nodes: Node[];
  /** The arenas every node output is a view of (one [elements] tensor each). */
  arenas: Tensor<'f32'>[];
  forward: Op[];
  backward: Op[];
  /** Dropout ops, whose seed changes every step. */
  dropout: DropoutOp[];
  /**
   * Recurrent layers of a training graph: dL/dh_t of each, time-major [T·batch, units] (step t is
   * the contiguous rows t·batch … t·batch + batch − 1), written by backward.
   */
  recurrent: { name: string; time: number; units: number; dh: Tensor }[];
  dispose(): void;
}

export function paramView(ctx: GpuContext, buffer: GPUBuffer, p: ParamInfo, suffix = ''): Tensor<'f32'> {
  return Tensor.view(ctx, buffer, p.offset * 4, p.shape, 'f32', p.name + suffix);
}

/**
 * Chaining one graph onto another (a GAN's discriminator on the generator's output): `input` is
 * read instead of a tensor of the graph's own, and `dInput` (training graphs) receives
 * d loss / d input (=), the gradient the upstream graph's backward starts from.
 */
export interface GraphLinks {
  input?: Tensor;
  dInput?: Tensor;
}

/** How a graph is built beyond its model. */
export interface GraphOptions {
  /** Every recurrent layer on the path large layers take (a dispatch per time step): to measure the persistent kernel against it. */
  perStepRecurrence?: boolean;
}

export function buildGraph(ctx: GpuContext, model: ModelInfo, flat: FlatBuffers, batch: number, training: boolean, links: GraphLinks = {}, options: GraphOptions = {}): Graph {
  const owned: Tensor[] = [];
  const forward: Op[] = [];
  const dropout: DropoutOp[] = [];
  const recurrent: Graph['recurrent'] = [];
  const layersOwned: { dispose(): void }[] = [];
  const nodes: Node[] = [];
  const backwardOf = new Map<Node, Op[]>(); // emitted in reverse node order at the end
  const tensor = (shape: number[], label: string) => {
    const t = empty(ctx, shape, 'f32', label);
    owned.push(t);
    return t;
  };
  const arenas = new Arenas(ctx, arenaSizes(model.layers, batch, training), (n, label) => tensor([n], label) as Tensor<'f32'>);
  const param = (p: ParamInfo) => paramView(ctx, flat.params, p);
  const grad = (p: ParamInfo) => paramView(ctx, flat.grads!, p, '.grad');
  const role = (layer: LayerInfo, r: ParamInfo['role']) => layer.params.find((p) => p.role === r);
  const state = (layer: LayerInfo, name: string) => {
    const s = model.states.find((x) => x.name === `${layer.prefix}.${name}`)!;
    return Tensor.view(ctx, flat.states, s.offset * 4, [s.size], 'f32', s.name);
  };
  // A dense layer fused with the activation after it writes that activation's output tensor.
  const fusedOutput = new Map<LayerInfo, Tensor>();
  // Backward of dense → activation → dense: the second dense's dX = dY·W writes the activation's
  // dx = dX ⊙ act'(z) in its store (no pass over dX between them; the activation's output
  // gradient is then never materialised, so its node has dOutput null).
  const fusedGrad = new Map<LayerInfo, { fn: Activation; z: Tensor; dx: Tensor }>();
  // Weight-normalised dense layers: each one's w (written for all of them by one dispatch that
  // opens the forward) and dW (made into dg, dv for all of them by one that closes the backward)
  // live in two shared buffers, at wnAt.
  const normed = model.flat.filter((l) => role(l, 'gain'));
  const wnAt = new Map<LayerInfo, number>();
  let wnElements = 0;
  for (const l of normed) { wnAt.set(l, wnElements); wnElements += alignUp(l.outWidth * l.inWidth); }
  const wnW = normed.length ? tensor([wnElements], 'weight_norm.w') : null;
  const wnDw = normed.length && training ? tensor([wnElements], 'weight_norm.dw') : null;
  const wnView = (t: Tensor, l: LayerInfo, shape: number[], label: string) => Tensor.view(ctx, t.buffer, t.offset + wnAt.get(l)! * 4, shape, 'f32', label);

  /**
   * Builds nodes for `layers` reading x, whose gradient dx (null when nothing needs it) the first
   * layer writes (=); `dOutLast` is the gradient tensor the last layer's output must use.
   */
  const build = (layers: LayerInfo[], x: Tensor, dx: Tensor | null, dOutLast: Tensor | null): Tensor => {
    layers.forEach((layer, i) => {
      const s = layer.spec;
      const width = layer.outWidth;
      const next = layers[i + 1];
      const gradFused = training && !!dx && s.type === 'activation' && fusedOutput.has(layer) && next?.spec.type === 'dense';
      const dOut = training && !gradFused ? (i === layers.length - 1 && dOutLast ? dOutLast : tensor([batch, width], `${layer.prefix}.out.grad`)) : null;
      if (s.type === 'residual') {
        // out = x + f(x). Backward: the block's layers write dx (=) from dOut, then dx += dOut.
        // The node goes first (forward order); its output, in an arena neither x nor f(x) is in,
        // is known once the block's layers are built.
        const node = { layer, input: x, output: null as unknown as Tensor, dInput: dx, dOutput: dOut };
        nodes.push(node);
        const inner = build(layer.children, x, dx, dOut);
        const sum = arenas.take(arenaFor([arenas.of(x), arenas.of(inner)]), [batch, width], `${layer.prefix}.out`);
        node.output = sum;
        forward.push(addScaledOp(ctx, sum, x, inner, 1));
        if (dOut && dx) backwardOf.set(node, [addScaledOp(ctx, dx, dx, dOut, 1)]);
        x = sum;
        dx = dOut;
        return;
      }
      const into = arenaFor([arenas.of(x)]);
      const out = fusedOutput.get(layer) ?? (s.type === 'dropout' && !training ? x : arenas.take(into, [batch, width], `${layer.prefix}.out`));
      const back: Op[] = [];
      switch (s.type) {
        case 'dense': {
          const w = role(layer, 'weight')!; // weight norm: v, with w = g·v/‖v‖ in wnW
          const b = role(layer, 'bias');
          const bias = b ? param(b) : undefined;
          const normedHere = wnAt.has(layer);
          const weight = normedHere ? wnView(wnW!, layer, w.shape, `${layer.prefix}.weight`) : param(w);
          const dWeight = dOut && (normedHere ? wnView(wnDw!, layer, w.shape, `${layer.prefix}.weight.grad`) : grad(w));
          if (next?.spec.type === 'activation') {
            // y = act(x·Wᵀ + b) in the matmul's store; out keeps z = x·Wᵀ + b for backward.
            const y = arenas.take(into, [batch, width], `${next.prefix}.out`);
            fusedOutput.set(next, y);
            forward.push(matmulOp(ctx, y, x, weight, { transB: true, bias, activation: next.spec.fn, preactivation: out }));
          } else {
            forward.push(matmulOp(ctx, out, x, weight, { transB: true, bias }));
          }
          if (dOut && dWeight) {
            back.push(matmulOp(ctx, dWeight, dOut, x, { transA: true, db: b ? grad(b) : undefined })); // dW = dYᵀ·X, db = Σ_rows dY
            const act = fusedGrad.get(layer);
            if (act) back.push(matmulOp(ctx, act.dx, dOut, weight, { activationGrad: { fn: act.fn, z: act.z } })); // (dY·W) ⊙ act'(z)
            else if (dx) back.push(matmulOp(ctx, dx, dOut, weight)); // dX = dY·W
          }
          break;
        }
        case 'activation':
          if (!fusedOutput.has(layer)) forward.push(activationOp(ctx, out, x, s.fn));
          if (gradFused) fusedGrad.set(next, { fn: s.fn, z: x, dx: dx! });
          else if (dOut && dx) back.push(activationBackwardOp(ctx, dx, dOut, x, out, s.fn));
          break;
        case 'batchnorm':
        case 'layernorm': {
          const gamma = param(role(layer, 'gamma')!);
          const beta = param(role(layer, 'beta')!);
          const statsLength = s.type === 'batchnorm' ? layer.inWidth : batch; // per feature / per row
          const saved = { mean: tensor([statsLength], `${layer.prefix}.mean`), rstd: tensor([statsLength], `${layer.prefix}.rstd`) };
          if (s.type === 'batchnorm') {
            const running = { mean: state(layer, 'running_mean'), var: state(layer, 'running_var') };
            forward.push(batchNormForwardOp(ctx, { y: out, ...saved }, x, gamma, beta, running, { training }));
          } else {
            forward.push(layerNormForwardOp(ctx, { y: out, ...saved }, x, gamma, beta));
          }
          if (dOut) {
            // Norm backward always produces dx; without a consumer it goes to scratch.
            const grads = { dx: dx ?? tensor([batch, layer.inWidth], `${layer.prefix}.in.grad.unused`), dgamma: grad(role(layer, 'gamma')!), dbeta: grad(role(layer, 'beta')!) };
            back.push(s.type === 'batchnorm' ? batchNormBackwardOp(ctx, grads, dOut, x, gamma, saved) : layerNormBackwardOp(ctx, grads, dOut, x, gamma, saved));
          }
          break;
        }
        case 'dropout':
          if (training) {
            const f = dropoutForwardOp(ctx, out, x, s.p, 0);
            forward.push(f);
            dropout.push(f);
            if (dOut && dx) {
              const b = dropoutBackwardOp(ctx, dx, dOut, s.p, 0);
              back.push(b);
              dropout.push(b);
            }
          }
          break;
        case 'rnn':
        case 'lstm':
        case 'gru': {
          // Forward: one input-projection matmul and the recurrence (one dispatch for small layers,
          // one per step for large: recurrentPlan); backward through time writes every weight
          // gradient (=) and dx (=) (src/kernels/rnn.ts).
          const cell: Cell = s.type === 'rnn' ? (s.nonlinearity === 'relu' ? 'rnn_relu' : 'rnn_tanh') : s.type;
          const [wIh, wHh, bIh, bHh] = layer.params;
          const T = model.time;
          const dims = { batch, time: T, features: layer.inWidth / T, hidden: s.units, returnSequences: s.return_sequences };
          const weights = { weightIh: param(wIh), weightHh: param(wHh), biasIh: param(bIh), biasHh: param(bHh) };
          const grads = dOut ? { weightIh: grad(wIh), weightHh: grad(wHh), biasIh: grad(bIh), biasHh: grad(bHh), dx } : undefined;
          const rl = recurrentLayer(ctx, cell, dims, { y: out, x, weights, grads, dy: dOut ?? undefined }, `${layer.prefix}.${cell}`, options.perStepRecurrence ? { kind: 'per_step' } : undefined); // undefined: recurrentPlan's pick
          layersOwned.push(rl);
          forward.push(rl.forward);
          if (rl.backward) back.push(rl.backward);
          if (rl.dh) recurrent.push({ name: layer.prefix, time: T, units: s.units, dh: rl.dh });
          break;
        }
      }
      const node: Node = { layer, input: x, output: out, dInput: dx, dOutput: dOut };
      nodes.push(node);
      backwardOf.set(node, back);
      x = out;
      dx = dOut;
    });
    return x;
  };

  const input = links.input ?? tensor([batch, model.input], 'input');
  if (input.size !== batch * model.input) throw new Error(`buildGraph: input ${input.label} has ${input.size} elements, expected [${batch}, ${model.input}]`);
  if (links.dInput && links.dInput.size !== input.size) throw new Error(`buildGraph: dInput ${links.dInput.label} has ${links.dInput.size} elements, expected ${input.size}`);
  const output = build(model.layers, input, (training && links.dInput) || null, null);
  const backward: Op[] = [];
  for (let i = nodes.length - 1; i >= 0; i--) backward.push(...(backwardOf.get(nodes[i]) ?? []));
  if (wnW) {
    const flatView = (buffer: GPUBuffer, label: string) => Tensor.view(ctx, buffer, 0, [model.paramElements], 'f32', label);
    const layers = normed.map((l) => ({ label: l.prefix, v: role(l, 'weight')!.offset, g: role(l, 'gain')!.offset, rows: l.outWidth, cols: l.inWidth, w: wnAt.get(l)! }));
    const wn = weightNormOps(ctx, layers, { params: flatView(flat.params, 'params'), w: wnW, ...(wnDw ? { grads: flatView(flat.grads!, 'grads'), dw: wnDw } : {}) });
    forward.unshift(wn.forward);
    if (wn.backward) backward.push(wn.backward);
  }
  const last = nodes.filter((n) => model.layers.includes(n.layer)).at(-1)!;

  return {
    batch, training, input, output, dOutput: last.dOutput, nodes, arenas: arenas.tensors, forward, backward, dropout, recurrent,
    dispose() {
      for (const o of [...forward, ...backward]) o.dispose();
      for (const l of layersOwned) l.dispose();
      for (const t of owned) t.dispose();
    },
  };
}
