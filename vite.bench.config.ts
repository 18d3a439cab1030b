import { defineConfig } from 'vite';

// Builds `npm run bench` (bench/main.ts) like the command line: WGSL ?raw imports resolve and the
// native Dawn addon stays external. TensorFlow.js is bundled: its ESM files use extensionless
// imports that Node cannot load (register_all_gradients, which optimizer.minimize needs).
export default defineConfig({
  build: {
    ssr: true,
    outDir: 'dist-bench',
    target: 'node20',
    emptyOutDir: true,
    // bench.js: `npm run bench` (Node, Dawn); bench-browser.js: `npm run bench:browser` (Chromium).
    rollupOptions: { input: { bench: 'bench/main.ts', 'bench-browser': 'bench/browser-run.ts' }, output: { entryFileNames: '[name].js' } },
  },
  ssr: { external: ['webgpu', '@jax-js/jax', 'vite', 'playwright-core'], noExternal: [/^@tensorflow\//] },
});
