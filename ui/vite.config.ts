import { defineConfig } from 'vite';

// The hub serves ui/dist at `/` (docs/control-room.md); relative asset paths keep the build
// working behind a reverse proxy that mounts it under another prefix.
export default defineConfig({
  base: './',
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
  server: {
    // `npm run dev` against a local hub: COOLFLOW_HUB=http://127.0.0.1:8086 npx vite
    proxy: process.env.COOLFLOW_HUB
      ? {
          '/api': process.env.COOLFLOW_HUB,
          '/ws': { target: process.env.COOLFLOW_HUB.replace(/^http/, 'ws'), ws: true },
        }
      : undefined,
  },
});
