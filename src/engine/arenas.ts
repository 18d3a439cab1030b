// Layer outputs of a graph live in a few shared buffers (arenas) instead of one buffer each, so
// that the diagnostics read every layer's output where it is (one binding per arena) rather than
// copying ~100 tensors out on a log step. WebGPU forbids a dispatch to bind one buffer both for
// reading and for writing, so an op writes its output into an arena that none of its inputs is
// in: a chain alternates between arenas 0 and 1; a residual sum, which reads the block's input and
// its last layer's output, may need a third.
import type { GpuContext } from '../gpu/context';
import { Tensor } from '../gpu/tensor';
import { alignUp, type LayerInfo } from './model';

/** The first arena none of `reads` is in (null: an input outside the arenas). */
export const arenaFor = (reads: readonly (number | null)[]): number => {
  let a = 0;
  while (reads.includes(a)) a++;
  return a;
};

/**
 * Elements each arena needs for `layers`, walked as buildGraph allocates their outputs: a dense
 * layer fused with the activation after it writes both outputs into one arena; dropout outside
 * training writes nothing (its output is its input).
 */
export function arenaSizes(layers: readonly LayerInfo[], batch: number, training: boolean): number[] {
  const sizes = [0, 0, 0];
  const walk = (list: readonly LayerInfo[], x: number | null): number | null => {
    list.forEach((layer, i) => {
      const s = layer.spec;
      const previous = list[i - 1];
      if (s.type === 'activation' && previous?.spec.type === 'dense') return; // fused: written with the dense layer
      if (s.type === 'dropout' && !training) return;
      const a = s.type === 'residual' ? arenaFor([x, walk(layer.children, x)]) : arenaFor([x]);
      const fused = s.type === 'dense' && list[i + 1]?.spec.type === 'activation';
      sizes[a] += alignUp(batch * layer.outWidth) * (fused ? 2 : 1);
      x = a;
    });
    return x;
  };
  walk(layers, null);
  return sizes;
}

/** Views into the arenas, handed out in buildGraph's order; `of` says which arena a tensor is in. */
export class Arenas {
  readonly tensors: Tensor<'f32'>[];
  private used: number[];
  private where = new Map<Tensor, number>();

  constructor(private ctx: GpuContext, private sizes: readonly number[], make: (elements: number, label: string) => Tensor<'f32'>) {
    this.tensors = sizes.map((n, a) => make(Math.max(64, n), `activations.${a}`));
    this.used = sizes.map(() => 0);
  }

  /** The next [rows, width] view of arena `a`. */
  take(a: number, shape: [number, number], label: string): Tensor<'f32'> {
    const n = shape[0] * shape[1];
    if (this.used[a] + alignUp(n) > this.sizes[a]) throw new Error(`internal error: arena ${a} plan too small for ${label}`);
    const arena = this.tensors[a];
    const t = Tensor.view(this.ctx, arena.buffer, arena.offset + this.used[a] * 4, shape, 'f32', label);
    this.used[a] += alignUp(n);
    this.where.set(t, a);
    return t;
  }

  /** The arena holding t (null: not an arena view, e.g. the graph's input). */
  of(t: Tensor): number | null {
    return this.where.get(t) ?? null;
  }
}
