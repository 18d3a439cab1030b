// GPU buffers: every allocation goes through a BufferPool, which reuses freed buffers of the same
// size class and usage, counts what is live (leak tests assert on it), and refuses sizes over the
// device limits before calling createBuffer (which would otherwise fail later, asynchronously).

export class GpuLimitError extends Error {
  override name = 'GpuLimitError';
}

export interface BufferStats {
  /** GPU buffers that exist (in use or pooled). */
  buffers: number;
  bytes: number;
  /** Buffers handed out and not yet released. */
  inUse: number;
  inUseBytes: number;
}

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Size class: multiples of 256 bytes up to 64 KiB, then powers of two over 16 (≤ 6% waste). */
export function sizeClass(bytes: number): number {
  if (bytes <= 65536) return Math.max(256, Math.ceil(bytes / 256) * 256);
  const step = 2 ** (Math.floor(Math.log2(bytes)) - 4);
  return Math.ceil(bytes / step) * step;
}

export class BufferPool {
  private free = new Map<string, GPUBuffer[]>();
  private stats: BufferStats = { buffers: 0, bytes: 0, inUse: 0, inUseBytes: 0 };

  constructor(private device: GPUDevice) {}

  /** A storage buffer (STORAGE | COPY_SRC | COPY_DST) of at least `bytes`. */
  storage(bytes: number, label: string): GPUBuffer {
    return this.acquire(bytes, STORAGE(), label);
  }

  acquire(bytes: number, usage: number, label: string): GPUBuffer {
    this.checkSize(bytes, usage, label);
    let size = sizeClass(bytes);
    if (size > this.device.limits.maxBufferSize) size = Math.ceil(bytes / 4) * 4; // no headroom left
    const key = `${usage}:${size}`;
    let buffer = this.free.get(key)?.pop();
    if (buffer) {
      buffer.label = label;
    } else {
      buffer = this.device.createBuffer({ size, usage, label });
      this.stats.buffers++;
      this.stats.bytes += size;
    }
    this.stats.inUse++;
    this.stats.inUseBytes += size;
    return buffer;
  }

  release(buffer: GPUBuffer): void {
    const key = `${buffer.usage}:${buffer.size}`;
    const list = this.free.get(key) ?? [];
    if (list.includes(buffer)) throw new Error(`buffer "${buffer.label}" released twice`);
    list.push(buffer);
    this.free.set(key, list);
    this.stats.inUse--;
    this.stats.inUseBytes -= buffer.size;
  }

  /** Destroys pooled (unused) buffers. */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.stats.buffers--;
        this.stats.bytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }

  get counts(): BufferStats {
    return { ...this.stats };
  }

  private checkSize(bytes: number, usage: number, label: string): void {
    checkBufferSize(this.device.limits, bytes, usage, label);
  }
}

/** Throws GpuLimitError naming `label`, the size and the limit when a buffer cannot exist. */
export function checkBufferSize(limits: GPUSupportedLimits, bytes: number, usage: number, label: string): void {
  if (!Number.isFinite(bytes) || bytes <= 0) throw new GpuLimitError(`${label}: buffer size must be positive, got ${bytes} bytes`);
  if (bytes > limits.maxBufferSize) {
    throw new GpuLimitError(`${label}: ${fmtBytes(bytes)} exceeds maxBufferSize (${fmtBytes(limits.maxBufferSize)}) of this device`);
  }
  if (usage & GPUBufferUsage.STORAGE && bytes > limits.maxStorageBufferBindingSize) {
    throw new GpuLimitError(
      `${label}: ${fmtBytes(bytes)} exceeds maxStorageBufferBindingSize (${fmtBytes(limits.maxStorageBufferBindingSize)}) of this device`,
    );
  }
}

export function fmtBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i++; }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]} (${n} bytes)`;
}
