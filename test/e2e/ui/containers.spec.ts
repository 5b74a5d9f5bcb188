// Berth's sidebar, terminals and container files, driven like a user would, on containers
// the berth CLI starts in the server's store (another process: the views follow its events).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { VsCodeServer } from '../server';
import { repoRoot } from '../server';
import { expect, test } from '../fixtures';

function cli(server: VsCodeServer, ...args: string[]): string {
  const env = { ...process.env, BERTH_ROOT: server.berthRoot, BERTH_RUNTIME_DIR: path.join(path.dirname(server.berthRoot), 'run') };
  return execFileSync(path.join(repoRoot, 'bin', 'berth'), args, { encoding: 'utf8', env, stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function ensureBusybox(server: VsCodeServer): void {
  if (cli(server, 'images', '--format', '{{.Repository}}:{{.Tag}}').split('\n').includes('busybox:latest')) return;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-ui-busybox-'));
  try {
    execFileSync('bash', [path.join(repoRoot, 'test', 'fixtures', 'make-busybox-rootfs.sh'), path.join(dir, 'rootfs')]);
    execFileSync('tar', ['-C', path.join(dir, 'rootfs'), '-cf', path.join(dir, 'busybox.tar'), '.']);
    cli(server, 'import', path.join(dir, 'busybox.tar'), 'busybox:latest');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const TICKER = 'trap "exit 0" TERM; i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 1; done';

test.describe('Containers view', () => {
  test.beforeEach(({ vscodeServer }) => ensureBusybox(vscodeServer));

  test('shows a container started with the CLI, and stopping it from the context menu changes its icon', async ({ workbench, vscodeServer }) => {
    await workbench.openBerth();
    cli(vscodeServer, 'run', '-d', '--name', 'ui-web', 'busybox', 'sh', '-c', TICKER);
    const row = workbench.treeItem('Containers', 'ui-web');
    await expect(row).toBeVisible();
    await expect(row.locator('.codicon-vm-running')).toBeVisible();
    await workbench.screenshot('container-running');
    await row.click({ button: 'right' });
    await workbench.page.locator('.monaco-menu .action-label', { hasText: /^Stop Container$/ }).click();
    await expect(workbench.treeItem('Containers', 'ui-web').locator('.codicon-vm-outline')).toBeVisible();
    await expect(workbench.page.locator('.statusbar-item', { hasText: /^0$/ }).or(workbench.page.locator('[id="berth.berth.berth.running"]'))).toBeVisible();
    await workbench.screenshot('container-stopped');
    cli(vscodeServer, 'rm', '-f', 'ui-web');
    await expect(workbench.treeItem('Containers', 'ui-web')).toHaveCount(0);
  });

  test('opens the logs terminal and shows the output', async ({ workbench, vscodeServer }) => {
    cli(vscodeServer, 'run', '-d', '--name', 'ui-logs', 'busybox', 'sh', '-c', TICKER);
    await workbench.openBerth();
    const row = workbench.treeItem('Containers', 'ui-logs');
    await row.click({ button: 'right' });
    await workbench.page.locator('.monaco-menu .action-label', { hasText: /^Show Container Logs$/ }).click();
    await expect(workbench.terminal()).toContainText('tick 2');
    await workbench.screenshot('logs-terminal');
    cli(vscodeServer, 'rm', '-f', 'ui-logs');
  });

  test('opens a shell and runs a command in it', async ({ workbench, vscodeServer }) => {
    cli(vscodeServer, 'run', '-d', '--name', 'ui-shell', 'busybox', 'sh', '-c', TICKER);
    await workbench.openBerth();
    await workbench.treeItem('Containers', 'ui-shell').click({ button: 'right' });
    await workbench.page.locator('.monaco-menu .action-label', { hasText: /^Open Shell in Container$/ }).click();
    await expect(workbench.terminal()).toContainText('#');
    await workbench.typeInTerminal('echo "inside $(hostname) $((6 * 7))"');
    await expect(workbench.terminal()).toContainText('inside');
    await expect(workbench.terminal()).toContainText(' 42');
    await workbench.screenshot('shell-terminal');
    cli(vscodeServer, 'rm', '-f', 'ui-shell');
  });

  test('opens a file inside a container, edits it and saves it back', async ({ workbench, vscodeServer }) => {
    cli(vscodeServer, 'run', '-d', '--name', 'ui-files', 'busybox', 'sh', '-c', `echo original > /tmp/note.txt; ${TICKER}`);
    await workbench.openBerth();
    await workbench.treeItem('Containers', 'ui-files').click();
    await workbench.page.keyboard.press('ArrowRight');
    await workbench.treeItem('Containers', 'Files').click();
    await workbench.page.keyboard.press('ArrowRight');
    await workbench.treeItem('Containers', 'tmp').click();
    await workbench.page.keyboard.press('ArrowRight');
    await workbench.treeItem('Containers', 'note.txt').click();
    await expect(workbench.activeTab()).toContainText('note.txt');
    await expect(workbench.editor()).toContainText('original');
    await workbench.editor().click();
    await workbench.page.keyboard.press('Control+End');
    await workbench.page.keyboard.type('saved from VS Code');
    await workbench.page.keyboard.press('Control+S');
    await expect(workbench.activeTab()).not.toHaveClass(/dirty/);
    await expect.poll(() => cli(vscodeServer, 'exec', 'ui-files', 'cat', '/tmp/note.txt')).toContain('saved from VS Code');
    await workbench.screenshot('container-file-saved');
    cli(vscodeServer, 'rm', '-f', 'ui-files');
  });
});

test.describe('Build', () => {
  test.beforeEach(({ vscodeServer }) => ensureBusybox(vscodeServer));

  test('builds the Dockerfile from the explorer context menu and shows the image', async ({ workbench }) => {
    await workbench.openViewContainer('Explorer');
    // The explorer's menu is built from the contributions known when it opens: right after
    // start-up Berth's may still be on the way, so open it again until the item is there.
    const buildItem = workbench.page.locator('.monaco-menu .action-label', { hasText: /^Build Image…$/ });
    await expect(async () => {
      await workbench.page.keyboard.press('Escape');
      await workbench.treeItem(path.basename(workbench.folder), 'Dockerfile').click({ button: 'right' });
      await expect(buildItem).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 30_000 });
    await buildItem.click();
    const input = workbench.page.locator('.quick-input-widget .quick-input-box input');
    await expect(input).toBeVisible();
    await input.fill('ui-built:1.0');
    await input.press('Enter');
    await expect(workbench.terminal()).toContainText('Built ui-built:1.0', { timeout: 60_000 });
    await workbench.openBerth();
    await expect(workbench.treeItem('Images', 'ui-built')).toBeVisible();
    await expect(workbench.treeItem('Images', '1.0')).toBeVisible();
    await workbench.screenshot('built-image');
  });
});
