// The layers panel on a two-layer image loaded with the CLI: the second layer adds a file
// and deletes one (a whiteout), which the panel must mark; the tree filters by name.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dockerSaveArchive, tarOf } from '../../fixtures/archives';
import type { VsCodeServer } from '../server';
import { repoRoot } from '../server';
import { expect, test } from '../fixtures';

function cli(server: VsCodeServer, ...args: string[]): string {
  const env = { ...process.env, BERTH_ROOT: server.berthRoot, BERTH_RUNTIME_DIR: path.join(path.dirname(server.berthRoot), 'run') };
  return execFileSync(path.join(repoRoot, 'bin', 'berth'), args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function loadLayeredImage(server: VsCodeServer): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-ui-layers-'));
  try {
    const base = tarOf([{ name: 'keep.txt', data: Buffer.from('kept\n') }, { name: 'gone.txt', data: Buffer.from('soon deleted\n') }]);
    const top = tarOf([{ name: 'added.txt', data: Buffer.from('new in layer 1\n') }, { name: '.wh.gone.txt', data: Buffer.alloc(0) }]);
    const archive = path.join(dir, 'layered.tar');
    writeFileSync(archive, dockerSaveArchive({ layers: [base, top], tags: ['layered:layers-panel'] }));
    cli(server, 'load', '-i', archive);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test.describe('Layers panel', () => {
  test('opens from the Images view, marks what a layer adds and removes, and filters by name', async ({ workbench, vscodeServer }) => {
    loadLayeredImage(vscodeServer);
    await workbench.openBerth();
    // A tag no other test uses: the server's store is shared by the suite.
    await workbench.treeItem('Images', 'layers-panel').click({ button: 'right' });
    await workbench.page.locator('.monaco-menu .action-label', { hasText: /^Show Layers$/ }).click();
    const panel = workbench.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await expect(panel.locator('.summary h1')).toContainText('layered');
    await panel.getByRole('option', { name: /layer 1/ }).click();
    const added = panel.getByRole('treeitem', { name: /^added\.txt, added/ });
    const removed = panel.getByRole('treeitem', { name: /^gone\.txt, removed/ });
    await expect(added).toBeVisible();
    await expect(removed).toBeVisible();
    await expect(added.locator('.mark')).toHaveText('A');
    await expect(removed.locator('.mark')).toHaveText('D');
    await workbench.screenshot('layers-panel');
    await panel.locator('vscode-textfield.filter input').fill('add');
    await expect(panel.getByRole('treeitem')).toHaveCount(1);
    await expect(added).toBeVisible();
    await workbench.screenshot('layers-panel-filtered');
    await panel.getByRole('option', { name: /layer 0/ }).click();
    await panel.locator('vscode-textfield.filter input').fill('');
    await expect(panel.getByRole('treeitem', { name: /^gone\.txt, added/ })).toBeVisible();
  });

  test('links a layer of an image built by Berth to its Dockerfile line', async ({ workbench, vscodeServer }) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-ui-sourced-'));
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM scratch\nENV A=1\nCOPY f.txt /f.txt\n');
    writeFileSync(path.join(dir, 'f.txt'), 'f\n');
    cli(vscodeServer, 'build', '-q', '-t', 'sourced:v3', dir);
    await workbench.openBerth();
    await workbench.treeItem('Images', 'v3').click({ button: 'right' });
    await workbench.page.locator('.monaco-menu .action-label', { hasText: /^Show Layers$/ }).click();
    const panel = workbench.page.frameLocator('iframe.webview').frameLocator('#active-frame');
    await expect(panel.getByRole('button', { name: 'Open Dockerfile:2' })).toBeVisible();
    await panel.getByRole('button', { name: 'Open Dockerfile:3' }).click();
    // Beside the panel: each of the two editor groups has an active tab.
    await expect(workbench.activeTab().filter({ hasText: 'Dockerfile' })).toBeVisible();
    await expect(workbench.page.locator('[id="status.editor.selection"]')).toContainText(/Ln 3, Col \d+ \(\d+ selected\)/);
    await workbench.screenshot('layers-panel-dockerfile-line');
    rmSync(dir, { recursive: true, force: true });
  });
});
