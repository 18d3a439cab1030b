// GpuContext: a device plus what is built once and reused: shader modules and pipelines (cached
// by family, entry point and override constants) and the buffer pool. Kernel wrappers in
// src/kernels/ build an `Op` (pipeline, bind group and params uniform made once; recorded into a
// step's compute pass many times: the scheduler) and offer an eager form via `run` (build, submit
// alone, dispose: tests and one-off work).
import { BufferPool } from './buffers';
import { gridFor, type Grid } from './dispatch';
import type { Gpu } from './device';
import type { Kernel } from './shaders';
import type { Tensor } from './tensor';

export type ParamField = { type: 'u32' | 'i32' | 'f32'; value: number };
export const u32 = (value: number): ParamField => ({ type: 'u32', value });
export const i32 = (value: number): ParamField => ({ type: 'i32', value });
export const f32 = (value: number): ParamField => ({ type: 'f32', value });

/** Packs scalar fields in declaration order, as a WGSL struct of 4-byte scalars lays them out. */
export function packParams(fields: readonly ParamField[]): ArrayBuffer {
  const data = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const view = new DataView(data);
  fields.forEach((f, i) => {
    if (f.type === 'f32') view.setFloat32(i * 4, f.value, true);
    else if (f.type === 'i32') view.setInt32(i * 4, f.value, true);
    else view.setUint32(i * 4, f.value, true);
  });
  return data;
}

/** What can be bound to a storage binding: a tensor, a whole buffer, or a byte range of one. */
export type Bindable = Tensor | GPUBuffer | GPUBufferBinding;

/** One dispatch, built once: record it into any number of passes; dispose when done. */
export interface Op {
  readonly label: string;
  /**
   * What one run of the op costs, for the profiler's GFLOP/s and GB/s: `bytes` defaults to the
   * size of every buffer range it binds (read or written once); matmuls set `flops`.
   */
  cost?: { flops?: number; bytes: number };
  record(pass: GPUComputePassEncoder): void;
  /** Rewrites the params uniform (e.g. a learning rate or Adam's bias corrections). */
  setParams(fields: readonly ParamField[]): void;
  dispose(): void;
}

export class GpuContext {
  readonly device: GPUDevice;
  readonly pool: BufferPool;
  private modules = new Map<string, GPUShaderModule>();
  private pipelines = new Map<string, GPUComputePipeline>();
  private scratchBuffers: GPUBuffer[] = [];

  constructor(readonly gpu: Gpu) {
    this.device = gpu.device;
    this.pool = new BufferPool(gpu.device);
  }

  get maxWorkgroupsPerDimension(): number {
    return this.device.limits.maxComputeWorkgroupsPerDimension;
  }

  pipeline(k: Kernel): GPUComputePipeline {
    const key = `${k.family.name}:${k.entry}:${JSON.stringify(k.constants)}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      let module = this.modules.get(k.family.name);
      if (!module) {
        module = this.device.createShaderModule({ label: k.family.name, code: k.family.code });
        this.modules.set(k.family.name, module);
      }
      pipeline = this.device.createComputePipeline({
        label: `${k.family.name}.${k.entry}`,
        layout: 'auto',
        compute: { module, entryPoint: k.entry, constants: { ...k.constants } },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }

  /**
   * A storage buffer of at least `bytes` shared by every op of this context, for values that live
   * only from one of an op's dispatches to the next (split-K partial sums): the queue runs
   * dispatches in order, so no two ops use it at once. Lives until destroy().
   */
  scratch(bytes: number): GPUBuffer {
    const last = this.scratchBuffers.at(-1);
    if (last && last.size >= bytes) return last;
    // A larger one; the smaller stays alive for the ops already bound to it.
    const buffer = this.pool.storage(bytes, 'context.scratch');
    this.scratchBuffers.push(buffer);
    return buffer;
  }

  /** A uniform buffer holding `fields`; release it to the pool when its last use is submitted. */
  uniform(fields: readonly ParamField[], label: string): GPUBuffer {
    const data = packParams(fields);
    const buffer = this.pool.acquire(data.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label);
    this.device.queue.writeBuffer(buffer, 0, data);
    return buffer;
  }

  /** Bind group for `k`; `params` (if the kernel has one) is a uniform buffer. */
  bind<B extends string>(k: Kernel<B>, buffers: Record<B, Bindable>, label = `${k.family.name}.${k.entry}`): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [];
    for (const name in k.bindings) {
      const b = buffers[name];
      if (!b) throw new Error(`${label}: binding "${name}" was not given`);
      entries.push({ binding: k.bindings[name], resource: toBinding(b) });
    }
    return this.device.createBindGroup({ label, layout: this.pipeline(k).getBindGroupLayout(0), entries });
  }

  /** Grid for one invocation per element of kernel `k`. */
  grid(k: Kernel, elements: number): Grid {
    return gridFor(elements, k.workgroupSize, this.maxWorkgroupsPerDimension);
  }

  /**
   * Builds one dispatch of `k` over `buffers` with a params uniform (null if the kernel has
   * none). `grid` is a workgroup grid, or an element count for one invocation per element.
   */
  op<B extends string>(
    k: Kernel<B>,
    buffers: Record<Exclude<B, 'params'>, Bindable>,
    params: readonly ParamField[] | null,
    grid: Grid | number,
    label = `${k.family.name}.${k.entry}`,
  ): Op {
    let uniform = params ? this.uniform(params, `${label}.params`) : null;
    const all = (uniform ? { ...buffers, params: uniform } : buffers) as Record<B, Bindable>;
    const group = this.bind(k, all, label);
    const pipeline = this.pipeline(k);
    const g = typeof grid === 'number' ? this.grid(k, grid) : grid;
    let bytes = 0;
    for (const b of Object.values(buffers) as Bindable[]) {
      const r = toBinding(b);
      bytes += r.size ?? r.buffer.size - (r.offset ?? 0);
    }
    return {
      label,
      cost: { bytes },
      record: (pass) => {
        pass.setPipeline(pipeline);
        pass.setBindGroup(0, group);
        pass.dispatchWorkgroups(g[0], g[1], g[2]);
      },
      setParams: (fields) => {
        if (!uniform) throw new Error(`${label}: kernel has no params`);
        this.device.queue.writeBuffer(uniform, 0, packParams(fields));
      },
      dispose: () => {
        // Safe at once: later writeBuffer calls are ordered after earlier submits on the queue.
        if (uniform) this.pool.release(uniform);
        uniform = null;
      },
    };
  }

  /** Records ops into one compute pass of a new encoder and submits it. */
  submit(ops: readonly Op[], label = ops[0]?.label ?? 'ops'): void {
    const encoder = this.device.createCommandEncoder({ label });
    const pass = encoder.beginComputePass({ label });
    for (const o of ops) o.record(pass);
    pass.end();
    this.device.queue.submit([encoder.finish()]);
  }

  /** Runs one kernel now, in its own submit (see `op` for the arguments). */
  run<B extends string>(
    k: Kernel<B>,
    buffers: Record<Exclude<B, 'params'>, Bindable>,
    params: readonly ParamField[] | null,
    grid: Grid | number,
  ): void {
    const o = this.op(k, buffers, params, grid);
    this.submit([o]);
    o.dispose();
  }

  destroy(): void {
    for (const b of this.scratchBuffers) this.pool.release(b);
    this.scratchBuffers = [];
    this.pool.trim();
    this.gpu.destroy();
  }
}

/** Submits one op alone and disposes it: the eager form of every kernel wrapper. */
export function runOnce(ctx: GpuContext, op: Op): void {
  ctx.submit([op]);
  op.dispose();
}

/** Several dispatches recorded as one op; `owned` (scratch tensors, tables) go with dispose(). */
export function sequenceOp(label: string, ops: readonly Op[], owned: readonly { dispose(): void }[] = []): Op {
  let live = true;
  return {
    label,
    cost: { bytes: ops.reduce((a, o) => a + (o.cost?.bytes ?? 0), 0) },
    record: (pass) => {
      if (!live) throw new Error(`${label}: recorded after dispose`);
      for (const o of ops) o.record(pass);
    },
    setParams: () => {
      throw new Error(`${label}: sizes are fixed when the op is built; build a new op`);
    },
    dispose: () => {
      if (!live) return;
      live = false;
      for (const o of ops) o.dispose();
      for (const o of owned) o.dispose();
    },
  };
}

function toBinding(b: Bindable): GPUBufferBinding {
  if ('dtype' in b) return b.binding();
  if ('buffer' in b) return b;
  return { buffer: b };
}
