import { defineConfig } from 'vitest/config';

// The reference server embeds `dist/` and serves it at `/` with an SPA fallback;
// in development, `npm run dev` forwards the API to a server on its default port.
export default defineConfig({
  oxc: {
    jsx: { runtime: 'automatic' },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
    target: 'es2022',
  },
  server: {
    proxy: {
      '/api': { target: process.env.API_URL ?? 'http://localhost:8080', changeOrigin: false },
    },
  },
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
