// The system Chromium (never a downloaded browser) and the flags that give it WebGPU on a
// software Vulkan driver: shared by the e2e tests and `npm run bench:browser`.
export const CHROMIUM = process.env.GRADSCOPE_CHROMIUM ?? '/usr/bin/chromium';

export const WEBGPU_FLAGS = [
  '--enable-unsafe-webgpu',
  '--enable-features=Vulkan',
  '--use-angle=swiftshader',
  '--use-vulkan=swiftshader', // lets screenshots capture WebGPU canvases
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--no-sandbox',
];
