// A small GPU tensor: shape, dtype and a pooled storage buffer. Row-major, 32-bit elements.
import type { GpuContext } from './context';

export type DType = 'f32' | 'i32' | 'u32';
export type TypedArray = Float32Array | Int32Array | Uint32Array;
type ArrayFor<D extends DType> = D extends 'f32' ? Float32Array : D extends 'i32' ? Int32Array : Uint32Array;

export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 1) throw new Error(`shape [${shape.join(', ')}]: every dimension must be a positive integer`);
    n *= d;
  }
  return n;
}

function arrayType(dtype: DType) {
  return dtype === 'f32' ? Float32Array : dtype === 'i32' ? Int32Array : Uint32Array;
}

export class Tensor<D extends DType = DType> {
  readonly size: number;
  private disposed = false;

  constructor(
    readonly ctx: GpuContext,
    readonly shape: readonly number[],
    readonly dtype: D,
    readonly buffer: GPUBuffer,
    readonly label: string,
  ) {
    this.size = elementCount(shape);
  }

  get byteLength(): number {
    return this.size * 4;
  }

  /** The tensor's bytes only: pooled buffers may be larger, and kernels use arrayLength(). */
  binding(): GPUBufferBinding {
    return { buffer: this.buffer, offset: 0, size: this.byteLength };
  }

  async download(): Promise<ArrayFor<D>> {
    const bytes = this.byteLength;
    const staging = this.ctx.pool.acquire(bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `${this.label}.readback`);
    const encoder = this.ctx.device.createCommandEncoder({ label: `${this.label}.download` });
    encoder.copyBufferToBuffer(this.buffer, 0, staging, 0, bytes);
    this.ctx.device.queue.submit([encoder.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, bytes);
      // unmap() detaches the mapped range: copy out first.
      const out = new (arrayType(this.dtype))(staging.getMappedRange(0, bytes).slice(0));
      staging.unmap();
      return out as ArrayFor<D>;
    } finally {
      this.ctx.pool.release(staging);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.ctx.pool.release(this.buffer);
  }
}

/** An uninitialised tensor (pooled buffers hold old data: use `zeros` when it matters). */
export function empty<D extends DType>(ctx: GpuContext, shape: readonly number[], dtype: D, label: string): Tensor<D> {
  const n = elementCount(shape);
  return new Tensor(ctx, shape, dtype, ctx.pool.storage(n * 4, label), label);
}

export function zeros<D extends DType>(ctx: GpuContext, shape: readonly number[], dtype: D, label: string): Tensor<D> {
  const t = empty(ctx, shape, dtype, label);
  const encoder = ctx.device.createCommandEncoder({ label: `${label}.zero` });
  encoder.clearBuffer(t.buffer, 0, t.byteLength);
  ctx.device.queue.submit([encoder.finish()]);
  return t;
}

export function upload<D extends DType>(
  ctx: GpuContext,
  data: ArrayLike<number>,
  shape: readonly number[],
  dtype: D,
  label: string,
): Tensor<D> {
  const n = elementCount(shape);
  if (data.length !== n) throw new Error(`${label}: ${data.length} values given for shape [${shape.join(', ')}] (${n} elements)`);
  const t = empty(ctx, shape, dtype, label);
  const typed = data instanceof arrayType(dtype) ? (data as TypedArray) : arrayType(dtype).from(data);
  ctx.device.queue.writeBuffer(t.buffer, 0, typed.buffer, typed.byteOffset, typed.byteLength);
  return t;
}
