import { defineConfig } from 'vite';

// Builds the Node command line (src/cli/main.ts) into one ESM file, so WGSL `?raw` imports
// resolve exactly as in the lab. Dawn (`webgpu`) stays external: it is a native addon.
export default defineConfig({
  build: {
    ssr: 'src/cli/main.ts',
    outDir: 'dist-cli',
    target: 'node20',
    emptyOutDir: true,
    rollupOptions: { output: { entryFileNames: 'gradscope.js' } },
  },
  ssr: { external: ['webgpu'] },
});
