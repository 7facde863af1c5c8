import { defineConfig } from "vitest/config";

// End-to-end suites start real nginx/Pebble processes: give them room, and run files in
// parallel only as far as the two cores allow.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    minWorkers: 1,
  },
});
