// Dead-unit counts per layer (shaders/dead_units.wgsl): columns of a layer's [rows, width] output
// that are <= 0 for the whole batch. One clear and one dispatch, whatever the layer count.
import deadUnitsWgsl from '../../shaders/dead_units.wgsl?raw';
import { f32, sequenceOp, u32, type GpuContext, type Op } from '../gpu/context';
import { fillKernel } from './elementwise';
import { kernel, shaderFamily } from '../gpu/shaders';
import { upload, type Tensor } from '../gpu/tensor';

const deadUnitsKernel = kernel(shaderFamily('dead_units', deadUnitsWgsl), 'dead_units', { dead: 0, x: 1, column_layer: 2, layers: 3, params: 4 }, { WG: 64 });

export interface LayerBlock {
  /** First element of the layer's output in x. */
  offset: number;
  rows: number;
  width: number;
}

/** dead[l] (u32) = number of columns of block l that are <= 0 in every row. */
export function deadUnitsOp(ctx: GpuContext, dead: Tensor, x: Tensor, blocks: readonly LayerBlock[]): Op {
  if (dead.dtype !== 'u32' || dead.size !== blocks.length) throw new Error(`deadUnits: ${dead.label} must be u32 [${blocks.length}]`);
  const columns = blocks.reduce((a, b) => a + b.width, 0);
  const columnLayer = new Uint32Array(Math.max(1, columns));
  const table = new Uint32Array(4 * blocks.length);
  let first = 0;
  blocks.forEach((b, l) => {
    if (b.offset + b.rows * b.width > x.size) throw new Error(`deadUnits: block ${l} overruns ${x.label} (${x.size} elements)`);
    table.set([b.offset, b.rows, b.width, first], 4 * l);
    columnLayer.fill(l, first, first + b.width);
    first += b.width;
  });
  const colT = upload(ctx, columnLayer, [columnLayer.length], 'u32', 'deadUnits.columns');
  const layerT = upload(ctx, table, [table.length], 'u32', 'deadUnits.layers');
  // The counts are atomics: zero them first (0.0f has the bits of 0u).
  const zero = ctx.op(fillKernel, { out: dead }, [u32(dead.size), f32(0)], dead.size, 'deadUnits.zero');
  const op = ctx.op(deadUnitsKernel, { dead, x, column_layer: colT, layers: layerT }, [u32(columns)], Math.max(1, columns));
  return sequenceOp(op.label, [zero, op], [colT, layerT]);
}
