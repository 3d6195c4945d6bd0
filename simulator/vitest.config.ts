import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts'],
    // The terminal and auto-dispatcher tests start a redis-server and a real server (@ccr/server/testing); on a
    // loaded 2-core machine they take several times as long as alone.
    testTimeout: 90_000,
    hookTimeout: 60_000,
  },
});
