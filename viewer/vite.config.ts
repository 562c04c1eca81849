import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

// Build: `npx vite build viewer` from the repository root (root = this folder, output = viewer/dist).
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    chunkSizeWarningLimit: 2000,
  },
});
