import { openDevice, WebGpuUnavailableError, type Gpu, type OpenOptions } from './device';

export const ENABLE_WEBGPU_HELP =
  'Use a recent Chrome or Edge (113+) on Windows, macOS or ChromeOS, or Chrome on Linux with ' +
  'chrome://flags/#enable-unsafe-webgpu and chrome://flags/#enable-vulkan turned on. ' +
  'Firefox 141+ and Safari 26+ also ship WebGPU. Check chrome://gpu for "WebGPU: Hardware accelerated".';

/** The browser's WebGPU device, or a WebGpuUnavailableError that says how to enable it. */
export async function openBrowserDevice(options: OpenOptions = {}): Promise<Gpu> {
  if (typeof navigator === 'undefined' || !('gpu' in navigator) || !navigator.gpu) {
    throw new WebGpuUnavailableError(`This browser does not expose WebGPU (navigator.gpu is missing). ${ENABLE_WEBGPU_HELP}`);
  }
  try {
    return await openDevice(navigator.gpu, options);
  } catch (e) {
    if (e instanceof WebGpuUnavailableError) throw new WebGpuUnavailableError(`${e.message} ${ENABLE_WEBGPU_HELP}`);
    throw e;
  }
}
