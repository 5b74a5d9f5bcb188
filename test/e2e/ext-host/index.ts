// The extension-host suite's entry: VS Code loads this module (extensionTestsPath) in the
// extension host and awaits run(). Same contract as @vscode/test-electron's, so the suite
// also runs on a desktop VS Code; here test/e2e/run-ext-host.ts drives it in code-server.
//
// Every line goes through console.log, which the workbench forwards to the test driver
// (window.codeAutomationLog): that is how each test's result reaches the CI log.
import Mocha from 'mocha';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { RESULT_MARKER, START_MARKER } from './markers';


export function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 20_000, reporter: 'spec' });
  const grep = process.env.BERTH_E2E_GREP;
  if (grep) mocha.grep(grep);
  for (const file of readdirSync(__dirname).filter((name) => name.endsWith('.test.js')).sort()) {
    mocha.addFile(path.join(__dirname, file));
  }
  return new Promise((resolve, reject) => {
    console.log(START_MARKER);
    try {
      const runner = mocha.run((failures) => {
        const stats = runner.stats ?? { passes: 0, failures, pending: 0 };
        console.log(`${RESULT_MARKER} ${JSON.stringify({ passed: stats.passes, failed: stats.failures, skipped: stats.pending })}`);
        if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (error) {
      console.error(error);
      reject(error);
    }
  });
}
