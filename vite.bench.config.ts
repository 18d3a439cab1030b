import { defineConfig } from 'vite';

// Builds `npm run bench` (bench/main.ts) like the command line: WGSL ?raw imports resolve and the
// native Dawn addon stays external. TensorFlow.js is bundled: its ESM files use extensionless
// imports that Node cannot load (register_all_gradients, which optimizer.minimize needs).
export default defineConfig({
  build: {
    ssr: 'bench/main.ts',
    outDir: 'dist-bench',
    target: 'node20',
    emptyOutDir: true,
    rollupOptions: { output: { entryFileNames: 'bench.js' } },
  },
  ssr: { external: ['webgpu', '@jax-js/jax'], noExternal: [/^@tensorflow\//] },
});
