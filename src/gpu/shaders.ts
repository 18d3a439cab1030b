// How WGSL reaches the GPU. Each family file in shaders/ is imported with Vite's `?raw` (works in
// the lab build, in vitest and in the command-line build) and wrapped by `shaderFamily`, which
// prepends shaders/common.wgsl and any library files the family names (e.g. activation_fns.wgsl
// for fused epilogues): the one template step, plain concatenation. Everything else that varies (workgroup
// and tile sizes) is a WGSL `override` constant, set per pipeline via `Kernel.constants`.
import commonWgsl from '../../shaders/common.wgsl?raw';

export interface ShaderFamily {
  /** File name without extension, e.g. 'elementwise'; labels every module and pipeline. */
  name: string;
  code: string;
}

export function shaderFamily(name: string, source: string, libraries: readonly string[] = []): ShaderFamily {
  return { name, code: [commonWgsl, ...libraries, source].join('\n') };
}

/** What a binding holds; `params` is the uniform block, always the last binding of a kernel. */
export type BindingSlot = number;

/**
 * One entry point of a family and the bindings it uses, by name. Names are what wrappers pass
 * buffers by; numbers are the WGSL @binding indices (group 0).
 */
export interface Kernel<B extends string = string> {
  family: ShaderFamily;
  entry: string;
  bindings: Readonly<Record<B, BindingSlot>>;
  /** Workgroup size (invocations along x) the grid helper divides by. */
  workgroupSize: number;
  constants: Readonly<Record<string, number>>;
}

export function kernel<B extends string>(
  family: ShaderFamily,
  entry: string,
  bindings: Record<B, BindingSlot>,
  constants: Record<string, number> = {},
): Kernel<B> {
  const workgroupSize = constants.WG ?? 256;
  return { family, entry, bindings, workgroupSize, constants: { WG: workgroupSize, ...constants } };
}

/** The same kernel with other override constants (e.g. a different tile size). */
export function withConstants<B extends string>(k: Kernel<B>, constants: Record<string, number>): Kernel<B> {
  return kernel(k.family, k.entry, { ...k.bindings }, { ...k.constants, ...constants });
}
