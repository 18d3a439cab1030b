// WebGPU in Node through Dawn (npm `webgpu`). On Linux, the Vulkan loader's own choice comes
// first (a real GPU wins; Mesa's lavapipe sits in the default driver folder too); when it yields
// no adapter, software GPUs are tried: Mesa lavapipe (4-10x faster), then SwiftShader from Debian's
// chromium. GRADSCOPE_VULKAN_ICD forces one driver file; a VK_ICD_FILENAMES already set is kept.
import { existsSync } from 'node:fs';
import { paceDawnPolling } from './dawn_polling';
import { openDevice, WebGpuUnavailableError, type Gpu, type OpenOptions } from './device';

export const LAVAPIPE_ICD = '/usr/share/vulkan/icd.d/lvp_icd.json';
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

interface Candidate {
  /** Driver file for VK_ICD_FILENAMES, or undefined for the loader's default search. */
  icd?: string;
  why: string;
}

/** The Vulkan driver choices to try, in order. */
export function vulkanCandidates(env: NodeJS.ProcessEnv = process.env, exists = existsSync): Candidate[] {
  if (env.GRADSCOPE_VULKAN_ICD) return [{ icd: env.GRADSCOPE_VULKAN_ICD, why: 'GRADSCOPE_VULKAN_ICD' }];
  if (env.VK_ICD_FILENAMES || env.VK_DRIVER_FILES) return [{ why: 'VK_ICD_FILENAMES/VK_DRIVER_FILES as set' }];
  const list: Candidate[] = [{ why: "Vulkan loader's default drivers" }];
  if (exists(LAVAPIPE_ICD)) list.push({ icd: LAVAPIPE_ICD, why: 'software fallback: Mesa lavapipe' });
  if (exists(SWIFTSHADER_ICD)) list.push({ icd: SWIFTSHADER_ICD, why: 'software fallback: SwiftShader (chromium)' });
  return list;
}

export interface NodeOpenOptions extends OpenOptions {
  /** Print the chosen adapter on stderr (default true). */
  verbose?: boolean;
  /** Extra Dawn options, e.g. 'backend=null' for compile-only checks. */
  dawnOptions?: string[];
}

export async function openNodeDevice(options: NodeOpenOptions = {}): Promise<Gpu> {
  let dawn: typeof import('webgpu');
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
  try {
    dawn = await import('webgpu');
  } catch (e) {
    throw new WebGpuUnavailableError(`Cannot load Dawn (npm package "webgpu"): ${(e as Error).message}. Run npm install.`);
  }
  Object.assign(globalThis, dawn.globals);
  paceDawnPolling();

  const candidates: Candidate[] = process.platform === 'linux' ? vulkanCandidates() : [{ why: 'Dawn default backend' }];
  const tried: string[] = [];
  for (const c of candidates) {
    if (c.icd) {
      if (!existsSync(c.icd)) { tried.push(`${c.icd} (${c.why}): file missing`); continue; }
      process.env.VK_ICD_FILENAMES = c.icd; // read by the loader when Dawn creates its instance
    }
    // Dawn crashes the process if this object is collected while the device lives: the device
    // keeps it referenced (keepAlive).
    const gpu = dawn.create(options.dawnOptions ?? []);
    try {
      const result = await openDevice(gpu, { ...options, keepAlive: gpu });
      if (options.verbose ?? true) {
        const features = [...result.features].join(', ') || 'no optional features';
        console.error(`gradscope: adapter ${result.adapter.name} [${features}] (${c.why})`);
      }
      return result;
    } catch (e) {
      if (!(e instanceof WebGpuUnavailableError)) throw e;
      tried.push(`${c.icd ?? 'default drivers'} (${c.why}): no adapter`);
    }
  }
  throw new WebGpuUnavailableError(
    `No WebGPU adapter in Node. Tried: ${tried.join('; ')}. Install a Vulkan driver, or run scripts/setup-system.sh for the software fallback (Mesa lavapipe).`,
  );
}
