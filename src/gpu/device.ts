// One device API for the browser and Node: given a `GPU` (navigator.gpu or Dawn's), pick the
// adapter, request its maximum limits and the optional features we use, and surface errors.

/** Optional features gradscope uses when the adapter has them. */
export const OPTIONAL_FEATURES = ['timestamp-query', 'subgroups', 'shader-f16'] as const;
export type OptionalFeature = (typeof OPTIONAL_FEATURES)[number];

export interface AdapterDescription {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** One line for people: "llvmpipe (LLVM 15.0.7, 256 bits) (mesa)". */
  name: string;
  /** A CPU implementation (lavapipe, SwiftShader): kernels that suit caches over workgroup memory. */
  software: boolean;
}

export interface Gpu {
  device: GPUDevice;
  adapter: AdapterDescription;
  /** Optional features actually granted. */
  features: ReadonlySet<OptionalFeature>;
  limits: GPUSupportedLimits;
  /** Resolves when the device is lost (destroyed or by the driver); never rejects. */
  lost: Promise<GPUDeviceLostInfo>;
  /** Uncaptured GPU errors (validation, out-of-memory, internal), oldest first. */
  errors: GPUError[];
  destroy(): void;
}

export interface OpenOptions {
  powerPreference?: GPUPowerPreference;
  /** Called on each uncaptured error; by default they are logged with console.error. */
  onError?: (error: GPUError) => void;
  /** Called once when the device is lost, unless it was destroyed by `destroy()`. */
  onLost?: (info: GPUDeviceLostInfo) => void;
  /** Keeps an object alive as long as the device (Dawn's `create()` result). */
  keepAlive?: unknown;
}

export class WebGpuUnavailableError extends Error {
  override name = 'WebGpuUnavailableError';
}

export function describeAdapter(info: GPUAdapterInfo): AdapterDescription {
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const name = description || [vendor, architecture, device].filter(Boolean).join(' ') || 'unknown adapter';
  const software = /llvmpipe|lavapipe|swiftshader|software|cpu/i.test([vendor, architecture, device, description].join(' '));
  return { vendor, architecture, device, description, name, software };
}

export async function openDevice(gpu: GPU, options: OpenOptions = {}): Promise<Gpu> {
  const adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  if (!adapter) throw new WebGpuUnavailableError('WebGPU is present but no GPU adapter was found.');

  const features = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));
  // Request every limit at the adapter's maximum: big layers and batches need them.
  const requiredLimits: Record<string, number> = {};
  for (const key in adapter.limits) {
    const value = (adapter.limits as unknown as Record<string, unknown>)[key];
    if (typeof value === 'number') requiredLimits[key] = value;
  }
  const device = await adapter.requestDevice({
    label: 'gradscope',
    requiredFeatures: features,
    requiredLimits,
  });

  const errors: GPUError[] = [];
  const onError = options.onError ?? ((e: GPUError) => console.error(`gradscope: GPU ${e.constructor.name}: ${e.message}`));
  device.addEventListener('uncapturederror', (event) => {
    const error = (event as GPUUncapturedErrorEvent).error;
    errors.push(error);
    onError(error);
  });

  let destroyed = false;
  const keepAlive = options.keepAlive;
  const lost = device.lost.then((info) => {
    void keepAlive; // referenced until the device is gone
    if (!destroyed) options.onLost?.(info);
    return info;
  });

  return {
    device,
    adapter: describeAdapter(adapter.info),
    features: new Set(features.filter((f) => device.features.has(f))),
    limits: device.limits,
    lost,
    errors,
    destroy() {
      destroyed = true;
      device.destroy();
    },
  };
}
