import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// The server serves client/dist at `/`; in development Vite proxies the server's paths to it.
const target = `http://127.0.0.1:${process.env.PORT ?? 8080}`;

export default defineConfig({
  plugins: [vue()],
  server: {
    proxy: {
      '/api': { target, changeOrigin: false },
      '/socket.io': { target, ws: true },
      '/metrics': { target },
      '/docs': { target },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    chunkSizeWarningLimit: 1500,
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
