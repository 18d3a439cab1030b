// Test harness: one real WebGPU device per test file (Dawn in Node, on the adapter that
// src/gpu/node.ts picks), opened before the file's tests and destroyed after them.
import { afterAll, beforeAll } from 'vitest';
import { GpuContext } from '../src/gpu/context';
import { openNodeDevice } from '../src/gpu/node';
import { upload, type DType, type Tensor } from '../src/gpu/tensor';

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
