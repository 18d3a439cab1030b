import { defineConfig } from 'vite';

// The lab page. WGSL files are imported with `?raw` (see src/gpu/shaders.ts), which Vite,
// vitest and the command-line build (vite.cli.config.ts) all understand.
export default defineConfig({
  build: { outDir: 'dist', target: 'es2022', chunkSizeWarningLimit: 400 },
  server: { host: '127.0.0.1', port: 5173, strictPort: false },
});
