// The browser and bench-helper tests: a page in Chromium beside a real server and Redis does in seconds what a
// unit test does in milliseconds, and on a loaded 2-core machine a whole scenario (sign in, draw six charts,
// export, a live update, English) can take over a minute; a slow scenario is not a failed one.
export default {
  test: {
    environment: 'node',
    testTimeout: 150_000,
    hookTimeout: 180_000,
  },
};
