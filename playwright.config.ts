// e2e: Playwright in Debian's Chromium (/usr/bin/chromium, never a downloaded browser) against web mode.
// The global setup builds the renderer and starts `main/web/server.ts` with a Kafka broker of its own (free ports, a
// temporary data dir) and its own loms database; the scenario drives the real local stack from the UI.
// Screenshots of every view: test-results/screenshots/ (kept after the run).
import { defineConfig } from '@playwright/test';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  // without these Chromium's own connections are refused on a closed network and slow everything down
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/e2e',
  globalSetup: './tests/e2e/support/global-setup.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  timeout: 10 * 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    viewport: { width: 1400, height: 1000 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    actionTimeout: 20_000,
    launchOptions: {
      executablePath: process.env.EVENTSCOPE_CHROMIUM ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    },
  },
  projects: [
    { name: 'web', testMatch: /web-.*\.spec\.ts/ },
    { name: 'electron', testMatch: /electron-.*\.spec\.ts/ },
  ],
});
