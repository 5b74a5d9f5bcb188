// The fixtures that Berth's own tests stand on, checked on VS Code's own parts: when a
// Berth test about trees or terminals fails, these say whether the harness still reads
// the workbench.
import * as path from 'node:path';
import { expect, test } from '../fixtures';

test.describe('The e2e workbench', () => {
  test('opens the workspace folder, whose tree lists its Dockerfile', async ({ workbench }) => {
    await workbench.openViewContainer('Explorer');
    const folderView = path.basename(workbench.folder);
    await expect(workbench.treeItem(folderView, 'Dockerfile')).toBeVisible();
    expect(await workbench.treeLabels(folderView)).toEqual(['Dockerfile']);
  });

  test('runs a command in a terminal and reads its output', async ({ workbench }) => {
    await workbench.openTerminal();
    // The output differs from the typed line, so seeing it means the shell ran it.
    await workbench.typeInTerminal('echo "answer: $((6 * 7))"');
    await expect(workbench.terminal()).toContainText('answer: 42');
    await workbench.screenshot('terminal');
  });
});
