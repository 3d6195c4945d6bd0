import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // Integration tests start a redis-server and one or more server nodes; on a loaded 2-core machine a test that
    // takes 10 s alone can take 40. A test that waits for something states its own, shorter, wait.
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
