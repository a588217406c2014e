import { defineConfig } from 'vite';

/** The play page, built into static files the gateway serves at /play (packages/play/dist). */
export default defineConfig({
  root: 'web',
  base: '/play/',
  build: { outDir: '../dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1_000 },
  resolve: { conditions: ['browser'] },
  logLevel: 'warn',
});
