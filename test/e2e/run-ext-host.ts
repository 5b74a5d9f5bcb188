// Runs the extension-host suite (test/e2e/ext-host) inside a real VS Code workbench:
// starts a server, opens the workbench in Chromium with the extension in development mode
// and `extensionTestsPath` pointing at the compiled suite, prints what the suite logs, and
// exits with the suite's exit code (0 = every test passed).
//
//   node out/test/e2e/run-ext-host.js            (after `npx tsc -p .` and `node esbuild.mjs`)
//
// The workbench calls window.codeAutomationLog(type, args) with the extension host's
// console output and window.codeAutomationExit(code) when the suite's run() settles.
import { chromium } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { format } from 'node:util';
import { chromiumLaunchOptions, viewport } from './browser';
import { RESULT_MARKER, START_MARKER } from './ext-host/markers';
import { repoRoot, VsCodeServer } from './server';

const SUITE_TIMEOUT_MS = Number(process.env.BERTH_E2E_EXT_HOST_TIMEOUT_MS ?? 180_000);
const artifacts = path.join(repoRoot, 'test-results', 'ext-host');

async function main(): Promise<number> {
  const testsPath = path.join(repoRoot, 'out', 'test', 'e2e', 'ext-host', 'index.js');
  const workspace = mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-workspace-'));
  writeFileSync(path.join(workspace, 'Dockerfile'), 'FROM busybox\nRUN echo hello\n');
  mkdirSync(artifacts, { recursive: true });

  const server = await VsCodeServer.start();
  const browser = await chromium.launch(chromiumLaunchOptions());
  const suiteLog = new SuiteLog();
  let code = 1;
  try {
    const page = await browser.newPage({ viewport });
    let settle!: (code: number) => void;
    const exited = new Promise<number>((resolve) => (settle = resolve));
    await page.exposeFunction('codeAutomationExit', (exitCode: number) => settle(Number(exitCode)));
    await page.exposeFunction('codeAutomationLog', (type: string, args: unknown) => suiteLog.add(type, args));
    await page.goto(
      server.workbenchUrl({ folder: workspace, extensionDevelopmentPath: repoRoot, extensionTestsPath: testsPath }),
    );
    const timeout = new Promise<number>((resolve) =>
      setTimeout(() => {
        console.error(`ext-host: no exit code within ${SUITE_TIMEOUT_MS} ms`);
        resolve(1);
      }, SUITE_TIMEOUT_MS).unref(),
    );
    code = await Promise.race([exited, timeout]);
    // The last log calls may still be in flight when the exit code arrives.
    for (let waited = 0; !suiteLog.result && waited < 2_000; waited += 100) await page.waitForTimeout(100);
    await page.screenshot({ path: path.join(artifacts, 'workbench-at-exit.png') }).catch(() => undefined);
  } finally {
    suiteLog.save(path.join(artifacts, 'workbench.log'));
    const { passed, skipped } = suiteLog.result ?? { passed: 0, skipped: 0 };
    let failed = suiteLog.result?.failed ?? 0;
    if (code !== 0 && failed === 0) {
      // The suite did not load, or run() failed outside any test: that is one failure.
      console.error('ext-host: the suite failed without a test result (see test-results/ext-host/workbench.log)');
      failed = 1;
    }
    writeFileSync(path.join(artifacts, 'results.json'), JSON.stringify({ passed, failed, skipped, exitCode: code }) + '\n');
    console.log(`ext-host: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    if (code !== 0) {
      copyFileSync(server.logFile, path.join(artifacts, 'server.log'));
      const extensionHostLog = server.latestExtensionHostLog();
      if (extensionHostLog) copyFileSync(extensionHostLog, path.join(artifacts, 'extension-host.log'));
      console.error('ext-host: server and extension host logs are in test-results/ext-host');
    }
    await browser.close();
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
  }
  return code;
}

// The workbench forwards its own console to codeAutomationLog as well as the suite's
// (both as 'info'), so only lines between the suite's start and result markers go to
// stdout; the rest, and offline noise (marketplace lookups), go to workbench.log.
const OFFLINE_NOISE = /ENOTFOUND|ECONNREFUSED|EAI_AGAIN|\[Service Worker\]/;

class SuiteLog {
  private inSuite = false;
  private readonly log: string[] = [];
  result: { passed: number; failed: number; skipped: number } | undefined;

  add(type: string, args: unknown): void {
    const list = Array.isArray(args) ? args : [args];
    const text = format(...list.map((a) => (typeof a === 'object' && a !== null ? JSON.stringify(a) : a)));
    this.log.push(`[${type}] ${text}`);
    if (text.startsWith(START_MARKER)) {
      this.inSuite = true;
      return;
    }
    if (text.startsWith(RESULT_MARKER)) {
      this.inSuite = false;
      this.result = JSON.parse(text.slice(RESULT_MARKER.length));
      return;
    }
    if (!this.inSuite || OFFLINE_NOISE.test(text)) return;
    (type === 'error' || type === 'warn' ? process.stderr : process.stdout).write(`${text}\n`);
  }

  save(file: string): void {
    writeFileSync(file, `${this.log.join('\n')}\n`);
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
