// Playwright runs two suites against a real VS Code workbench (code-server's VS Code
// server in Debian's Chromium; see test/e2e/fixtures.ts and /work/shared/E2E.md):
//   ui     test/e2e/ui      the repo's extension in development mode
//   smoke  test/e2e/smoke   the packaged .vsix (BERTH_VSIX, default berth.vsix), installed
//                           as a user would
// One worker: each worker runs its own server and browser, and 2 cores are not enough for two.
import { defineConfig } from '@playwright/test';
import * as path from 'node:path';
import { chromiumLaunchOptions, viewport } from './test/e2e/browser';
import type { WorkerOptions } from './test/e2e/fixtures';

export default defineConfig<object, WorkerOptions>({
  testDir: 'test/e2e',
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 90_000,
  globalTimeout: 10 * 60_000,
  expect: { timeout: 15_000 },
  reporter: [['list'], ['./test/e2e/summary-reporter.ts']],
  use: {
    launchOptions: chromiumLaunchOptions(),
    viewport,
    screenshot: 'on',
    trace: 'retain-on-failure',
  },
  projects: [
    { name: 'ui', testMatch: 'ui/**/*.spec.ts', outputDir: 'test-results/ui' },
    {
      name: 'smoke',
      testMatch: 'smoke/**/*.spec.ts',
      outputDir: 'test-results/smoke',
      use: { vsix: path.resolve(__dirname, process.env.BERTH_VSIX ?? 'berth.vsix') },
    },
  ],
});
