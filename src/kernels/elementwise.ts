// Elementwise f32 ops (shaders/elementwise.wgsl) and the dtype-agnostic word copy (shaders/copy.wgsl).
import elementwiseWgsl from '../../shaders/elementwise.wgsl?raw';
import copyWgsl from '../../shaders/copy.wgsl?raw';
import { f32, u32, type GpuContext, type Op, runOnce } from '../gpu/context';
import { kernel, shaderFamily } from '../gpu/shaders';
import type { Tensor } from '../gpu/tensor';

const elementwise = shaderFamily('elementwise', elementwiseWgsl);
export const addScaledKernel = kernel(elementwise, 'add_scaled', { out: 0, a: 1, b: 2, params: 3 });
export const scaleKernel = kernel(elementwise, 'scale', { out: 0, a: 1, params: 3 });
export const addScaledInplaceKernel = kernel(elementwise, 'add_scaled_inplace', { out: 0, b: 2, params: 3 });
export const scaleInplaceKernel = kernel(elementwise, 'scale_inplace', { out: 0, params: 3 });
export const fillKernel = kernel(elementwise, 'fill', { out: 0, params: 3 });
const copyFamily = shaderFamily('copy', copyWgsl);
export const copyKernel = kernel(copyFamily, 'copy', { dst: 0, src: 1, params: 2 });
export const gatherRowsKernel = kernel(copyFamily, 'gather_rows', { dst: 0, src: 1, index: 3, params: 4 });
const gatherRows4Kernel = kernel(copyFamily, 'gather_rows4', { dst4: 5, src4: 6, index: 3, params: 4 });

// WebGPU forbids binding one buffer as read and read_write in one dispatch: `out` may be `a`
// exactly (in-place kernels) but may not share a buffer with any other input.
function checkAliasing(op: string, out: Tensor, ...inputs: Tensor[]): void {
  for (const t of inputs) if (t.buffer === out.buffer) throw new Error(`${op}: output ${out.label} may not share a buffer with input ${t.label}`);
}

function sameSize(op: string, ...ts: Tensor[]): number {
  const n = ts[0].size;
  for (const t of ts) {
    if (t.size !== n) throw new Error(`${op}: ${t.label} has ${t.size} elements, expected ${n}`);
    if (t.dtype !== 'f32') throw new Error(`${op}: ${t.label} is ${t.dtype}, expected f32`);
  }
  return n;
}

/** out = a + alpha·b (out may be a, never b) */
export function addScaledOp(ctx: GpuContext, out: Tensor, a: Tensor, b: Tensor, alpha: number): Op {
  const n = sameSize('addScaled', out, a, b);
  if (out.buffer === a.buffer && out.offset === a.offset) {
    checkAliasing('addScaled', out, b);
    return ctx.op(addScaledInplaceKernel, { out, b }, [u32(n), f32(alpha)], n);
  }
  checkAliasing('addScaled', out, a, b);
  return ctx.op(addScaledKernel, { out, a, b }, [u32(n), f32(alpha)], n);
}

/** out = alpha·a (out may be a) */
export function scaleOp(ctx: GpuContext, out: Tensor, a: Tensor, alpha: number): Op {
  const n = sameSize('scale', out, a);
  if (out.buffer === a.buffer && out.offset === a.offset) return ctx.op(scaleInplaceKernel, { out }, [u32(n), f32(alpha)], n);
  checkAliasing('scale', out, a);
  return ctx.op(scaleKernel, { out, a }, [u32(n), f32(alpha)], n);
}


/** Eager forms: out = a + b, out = a + alpha·b, out = alpha·a. */
export const add = (ctx: GpuContext, out: Tensor, a: Tensor, b: Tensor) => runOnce(ctx, addScaledOp(ctx, out, a, b, 1));
export const addScaled = (ctx: GpuContext, out: Tensor, a: Tensor, b: Tensor, alpha: number) => runOnce(ctx, addScaledOp(ctx, out, a, b, alpha));
export const scale = (ctx: GpuContext, out: Tensor, a: Tensor, alpha: number) => runOnce(ctx, scaleOp(ctx, out, a, alpha));

/** out = value, for every element */
export function fill(ctx: GpuContext, out: Tensor, value: number): void {
  const n = sameSize('fill', out);
  ctx.run(fillKernel, { out }, [u32(n), f32(value)], n);
}

/** dst[dstOffset + i] = src[srcOffset + i] for i < count (elements of any 32-bit dtype). */
export function copyOp(ctx: GpuContext, dst: Tensor, src: Tensor, count = src.size, dstOffset = 0, srcOffset = 0): Op {
  checkAliasing('copy', dst, src);
  if (dst.dtype !== src.dtype) throw new Error(`copy: ${src.label} is ${src.dtype} but ${dst.label} is ${dst.dtype}`);
  if (srcOffset + count > src.size) throw new Error(`copy: reading ${count} elements at ${srcOffset} overruns ${src.label} (${src.size})`);
  if (dstOffset + count > dst.size) throw new Error(`copy: writing ${count} elements at ${dstOffset} overruns ${dst.label} (${dst.size})`);
  return ctx.op(copyKernel, { dst, src }, [u32(count), u32(dstOffset), u32(srcOffset)], count);
}

export const copy = (ctx: GpuContext, dst: Tensor, src: Tensor, count = src.size, dstOffset = 0, srcOffset = 0) =>
  runOnce(ctx, copyOp(ctx, dst, src, count, dstOffset, srcOffset));

/** dst[r, :] = src[index[r], :]: a batch of rows picked on the GPU (index: u32 [rows]). */
export function gatherRowsOp(ctx: GpuContext, dst: Tensor, src: Tensor, index: Tensor): Op {
  const rows = index.size;
  const width = dst.size / rows;
  if (index.dtype !== 'u32') throw new Error(`gatherRows: ${index.label} is ${index.dtype}, expected u32`);
  if (!Number.isInteger(width) || src.size % width !== 0) {
    throw new Error(`gatherRows: ${dst.label} (${dst.size}) is not ${rows} rows of a width dividing ${src.label} (${src.size})`);
  }
  if (dst.dtype !== src.dtype) throw new Error(`gatherRows: ${src.label} is ${src.dtype} but ${dst.label} is ${dst.dtype}`);
  // Views start 256-byte aligned, so rows of a multiple of 4 words are whole vec4s.
  if (width % 4 === 0) return ctx.op(gatherRows4Kernel, { dst4: dst, src4: src, index }, [u32(rows), u32(width)], (rows * width) / 4);
  return ctx.op(gatherRowsKernel, { dst, src, index }, [u32(rows), u32(width)], rows * width);
}
