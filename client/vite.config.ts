import { defineConfig } from 'vitest/config';
import vue from '@vitejs/plugin-vue';

// The server serves client/dist at `/`; in development Vite proxies the server's paths to it.
const target = `http://127.0.0.1:${process.env.PORT ?? 8080}`;

export default defineConfig({
  plugins: [vue()],
  // vue-i18n's build flags: Composition API only (the legacy API and its code are dropped), no devtools hooks.
  define: {
    __VUE_I18N_FULL_INSTALL__: true,
    __VUE_I18N_LEGACY_API__: false,
    __INTLIFY_PROD_DEVTOOLS__: false,
  },
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
