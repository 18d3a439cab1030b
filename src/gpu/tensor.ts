// A small GPU tensor: shape, dtype and a storage buffer range. Row-major, 32-bit elements.
// A tensor either owns a pooled buffer (offset 0) or views a range of a bigger buffer (flat
// parameter buffers, test canaries); binding offsets must be multiples of
// minStorageBufferOffsetAlignment (256 bytes).
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
    /** Byte offset of element 0 in `buffer`. */
    readonly offset = 0,
    /** Whether dispose() returns the buffer to the pool (false for views). */
    private readonly owned = true,
  ) {
    this.size = elementCount(shape);
    if (offset % 4 !== 0 || offset + this.size * 4 > buffer.size) {
      throw new Error(`${label}: range [${offset}, ${offset + this.size * 4}) does not fit buffer "${buffer.label}" (${buffer.size} bytes)`);
    }
  }

  /** A tensor over `buffer` at a byte offset, without taking ownership. */
  static view<D extends DType>(ctx: GpuContext, buffer: GPUBuffer, offset: number, shape: readonly number[], dtype: D, label: string): Tensor<D> {
    return new Tensor(ctx, shape, dtype, buffer, label, offset, false);
  }

  get byteLength(): number {
    return this.size * 4;
  }

  /** The tensor's bytes only: pooled buffers may be larger, and kernels use arrayLength(). */
  binding(): GPUBufferBinding {
    return { buffer: this.buffer, offset: this.offset, size: this.byteLength };
  }

  async download(): Promise<ArrayFor<D>> {
    const bytes = this.byteLength;
    const staging = this.ctx.pool.acquire(bytes, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, `${this.label}.readback`);
    const encoder = this.ctx.device.createCommandEncoder({ label: `${this.label}.download` });
    encoder.copyBufferToBuffer(this.buffer, this.offset, staging, 0, bytes);
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
    if (this.owned) this.ctx.pool.release(this.buffer);
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
  encoder.clearBuffer(t.buffer, t.offset, t.byteLength);
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
  write(t, data);
  return t;
}

/** Overwrites a tensor's elements from the CPU (queued; ordered before later submits). */
export function write(t: Tensor, data: ArrayLike<number>): void {
  if (data.length !== t.size) throw new Error(`${t.label}: ${data.length} values given for ${t.size} elements`);
  const Typed = arrayType(t.dtype);
  const typed = data instanceof Typed ? (data as TypedArray) : Typed.from(data);
  t.ctx.device.queue.writeBuffer(t.buffer, t.offset, typed.buffer, typed.byteOffset, typed.byteLength);
}
