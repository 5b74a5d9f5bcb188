// Prints one "<project>: N passed, N failed" line per Playwright project and writes
// test-results/<project>/results.json, which scripts/e2e/run.sh adds up.
import type { FullConfig, FullResult, Reporter, Suite, TestCase, TestResult } from '@playwright/test/reporter';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

type Counts = { passed: number; failed: number; skipped: number; total: number };

export default class SummaryReporter implements Reporter {
  private readonly counts = new Map<string, Counts>();
  private rootDir = process.cwd();

  onBegin(config: FullConfig, suite: Suite): void {
    if (config.configFile) this.rootDir = path.dirname(config.configFile);
    for (const project of suite.suites) {
      this.counts.set(project.title, { passed: 0, failed: 0, skipped: 0, total: project.allTests().length });
    }
  }

  onTestEnd(test: TestCase, result: TestResult): void {
    // Only the final attempt counts; retries are off, but stay correct if they are turned on.
    if (result.retry < test.retries && result.status !== 'passed' && result.status !== 'skipped') return;
    const project = test.parent.project()?.name ?? 'playwright';
    const counts = this.counts.get(project) ?? { passed: 0, failed: 0, skipped: 0, total: 1 };
    if (result.status === 'skipped') counts.skipped++;
    else if (result.status === test.expectedStatus) counts.passed++;
    else counts.failed++;
    this.counts.set(project, counts);
  }

  onEnd(result: FullResult): void {
    // Tests that never ran (a broken worker fixture, a global timeout) count as failed, and
    // a run that failed with no failed test at all (a config error) counts as one failure.
    let anyFailed = false;
    for (const counts of this.counts.values()) {
      counts.failed += Math.max(0, counts.total - counts.passed - counts.failed - counts.skipped);
      anyFailed ||= counts.failed > 0;
    }
    if (result.status !== 'passed' && !anyFailed) {
      const first = this.counts.values().next().value ?? { passed: 0, failed: 0, skipped: 0, total: 0 };
      first.failed++;
      this.counts.set(this.counts.keys().next().value ?? 'playwright', first);
    }
    for (const [project, { passed, failed, skipped }] of this.counts) {
      const counts = { passed, failed, skipped };
      const dir = path.join(this.rootDir, 'test-results', project);
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'results.json'), JSON.stringify(counts) + '\n');
      console.log(`${project}: ${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ''}`);
    }
  }

  printsToStdio(): boolean {
    return false;
  }
}
