// The .vsix that `npm run package` made, installed into a fresh extensions dir the way a
// user installs it: catches what development mode cannot (.vscodeignore, a bundle that
// needs something left out, a native helper missing or not executable).
import { execFileSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { expect, test } from '../fixtures';
import { repoRoot } from '../server';

const HELPER = 'native/build/berth-helper';

test.describe('The packaged extension', () => {
  test('holds the manifest, the bundles and the icon, and no sources or tests', ({ vsix }) => {
    const entries = vsixEntries(vsix!);
    for (const file of ['package.json', 'dist/extension.js', 'dist/cli.js', 'media/berth.svg']) {
      expect(entries).toContain(`extension/${file}`);
    }
    const sources = entries.filter((e) => /^extension\/(src|test|out|bench|scripts|node_modules)\/|\.ts$/.test(e));
    expect(sources).toEqual([]);
  });

  test('installs the native helper as an executable', ({ vsix, vscodeServer }) => {
    test.skip(!existsSync(path.join(repoRoot, HELPER)), `${HELPER} is not built in this tree`);
    expect(vsixEntries(vsix!)).toContain(`extension/${HELPER}`);
    const installed = path.join(vscodeServer.extensionsDir, 'berth.berth-0.1.0', HELPER);
    expect(statSync(installed).mode & 0o111).toBe(0o111);
  });

  test('installed, shows the Berth view and runs Berth: Show Runtime Info', async ({ workbench, vscodeServer }) => {
    await workbench.openBerth();
    await expect(workbench.view('Containers')).toBeVisible();
    await workbench.runCommand('Berth: Show Runtime Info');
    // The command activates the extension, loads the bundled runtime and opens its report.
    await expect(workbench.editor()).toContainText('"storeRoot"');
    await expect(workbench.editor()).toContainText(vscodeServer.berthRoot);
    await workbench.screenshot('runtime-info');
  });
});

function vsixEntries(vsix: string): string[] {
  const script = 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))';
  return execFileSync('python3', ['-c', script, vsix], { encoding: 'utf8' }).trim().split('\n');
}
