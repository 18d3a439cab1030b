// Test harness: one real WebGPU device per test file (Dawn in Node, on the adapter that
// src/gpu/node.ts picks), opened before the file's tests and destroyed after them.
import { afterAll, beforeAll } from 'vitest';
import { GpuContext } from '../src/gpu/context';
import { openNodeDevice } from '../src/gpu/node';
import { Tensor, upload, write, type DType } from '../src/gpu/tensor';

export function useGpu(): () => GpuContext {
  let ctx: GpuContext | undefined;
  beforeAll(async () => {
    const gpu = await openNodeDevice({ verbose: false, onError: (e) => console.error(`GPU error: ${e.message}`) });
    ctx = new GpuContext(gpu);
  });
  afterAll(() => {
    if (!ctx) return;
    const errors = ctx.gpu.errors;
    ctx.destroy();
    if (errors.length) throw new Error(`uncaptured GPU errors during this file: ${errors.map((e) => e.message).join('; ')}`);
  });
  return () => {
    if (!ctx) throw new Error('GPU not open yet: call inside a test');
    return ctx;
  };
}

/** Uploads float64 test data as a tensor (rounded to f32 on the way). */
export function tensor(ctx: GpuContext, data: ArrayLike<number>, shape: number[] = [data.length], dtype: DType = 'f32', label = 'test'): Tensor {
  return upload(ctx, data, shape, dtype, label);
}

const CANARY = 0x7fc0dead; // a NaN payload no kernel produces by accident
const GUARD = 256; // bytes of canary on each side: one binding-offset alignment

export interface Canaried {
  tensor: Tensor;
  /** Throws if any canary word around the tensor changed. */
  check(): Promise<void>;
  dispose(): void;
}

/** A view whose binding runs on past its last element into the trailing canary words. */
class OverboundView extends Tensor {
  override binding(): GPUBufferBinding {
    return { buffer: this.buffer, offset: this.offset, size: this.buffer.size - this.offset };
  }
}

/**
 * A tensor bound at an offset inside a bigger buffer whose other words hold a known pattern.
 * The binding extends past the tensor into the trailing pattern (as a view into a flat parameter
 * buffer or a larger pooled buffer would), so a kernel that stores past its element count changes
 * the pattern and check() says where; kernels must take sizes from their params, never from
 * arrayLength(). Pass `data` for inputs, or a length for outputs (initialised to the pattern).
 */
export function canaried(ctx: GpuContext, data: ArrayLike<number> | number, shape?: number[], dtype: DType = 'f32', label = 'canaried'): Canaried {
  const n = typeof data === 'number' ? data : data.length;
  const dims = shape ?? [n];
  const words = GUARD / 4 + Math.ceil(n / 64) * 64 + GUARD / 4;
  const fill = new Uint32Array(words).fill(CANARY);
  const buffer = ctx.device.createBuffer({
    label: `${label}.canary`,
    size: words * 4,
    usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST,
  });
  ctx.device.queue.writeBuffer(buffer, 0, fill);
  const t = new OverboundView(ctx, dims, dtype, buffer, label, GUARD, false);
  if (typeof data !== 'number') write(t, data);
  return {
    tensor: t,
    async check() {
      const whole = Tensor.view(ctx, buffer, 0, [words], 'u32', `${label}.whole`);
      const got = await whole.download();
      const first = GUARD / 4;
      for (let i = 0; i < words; i++) {
        if (i >= first && i < first + n) continue;
        if (got[i] !== CANARY) throw new Error(`${label}: out-of-bounds write at element ${i - first} (word ${i}): 0x${got[i].toString(16)}`);
      }
    },
    dispose() {
      buffer.destroy();
    },
  };
}
