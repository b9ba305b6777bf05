import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure logic, beside the code) and `integration` (real brokers; the global setup brings the
// stack up with the best available provider and tears down only what it started).
export default defineConfig({
  test: {
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: [
            'main/**/*.test.ts',
            'services/**/*.test.ts',
            'renderer/**/*.test.{ts,tsx}',
            'tests/unit/**/*.test.ts',
          ],
          environment: 'node',
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['tests/integration/**/*.test.ts'],
          globalSetup: ['tests/integration/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
