// The Registries view as a user meets it: empty with a Log In button, a login typed into
// the quick inputs (the password in a password box), then the registry's repository and
// tag — pushed meanwhile with the CLI, which shares the server's store and logins — and a
// Pull from the tag's context menu that lands in the Images view.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { dockerSaveArchive, tarOf } from '../../fixtures/archives';
import { type RunningRegistry, startRegistry } from '../../fixtures/registry';
import { expect, test } from '../fixtures';
import type { VsCodeServer } from '../server';

// A tag no other test uses: the server's store is shared by the suite.
const TAG = 'registries-ui';

/** A one-file image pushed to the registry and then removed from the store, so only the registry has it. */
function pushTinyImage(server: VsCodeServer, reference: string): void {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'berth-ui-registries-'));
  try {
    const archive = path.join(dir, 'tiny.tar');
    writeFileSync(archive, dockerSaveArchive({ layers: [tarOf([{ name: 'hello.txt', data: Buffer.from('from the registry\n') }])], tags: [reference] }));
    server.berth('load', '-i', archive);
    server.berth('push', reference);
    server.berth('rmi', reference);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test.describe('Registries view', () => {
  let registry: RunningRegistry;

  test.beforeAll(async () => {
    registry = await startRegistry({ kind: 'htpasswd', users: { berth: 'secret' } });
  });

  test.afterAll(async () => {
    await registry?.stop();
  });

  test('logs in, shows the registry with its repository and tag, and pulls the tag from its context menu', async ({ workbench, vscodeServer }) => {
    const { page } = workbench;
    await workbench.openBerth();
    await workbench.expandView('Registries');
    const view = workbench.view('Registries');
    await expect(view).toContainText('Not logged in to any registry.');
    await view.locator('.monaco-button', { hasText: 'Log In to a Registry' }).click();

    const quickInput = page.locator('.quick-input-widget');
    const input = quickInput.locator('.quick-input-box input');
    for (const [prompt, answer] of [['Registry (host[:port])', registry.host], ['User name', 'berth'], ['Password or access token', 'secret']]) {
      await expect(quickInput).toContainText(prompt);
      if (prompt.startsWith('Password')) await expect(input).toHaveAttribute('type', 'password');
      await input.fill(answer);
      await input.press('Enter');
    }
    await expect(workbench.treeItem('Registries', registry.host)).toBeVisible();

    const reference = `${registry.host}/ui/app:${TAG}`;
    pushTinyImage(vscodeServer, reference);
    await workbench.treeItem('Registries', registry.host).click();
    await workbench.treeItem('Registries', 'ui/app').click();
    const tag = workbench.treeItem('Registries', TAG);
    await expect(tag).toBeVisible();
    await workbench.screenshot('registry-repository-tag');

    await tag.click({ button: 'right' });
    await page.locator('.monaco-menu .action-label', { hasText: /^Pull$/ }).click();
    await expect(workbench.treeItem('Images', TAG)).toBeVisible({ timeout: 30_000 });
    await expect(tag.locator('.label-description')).toHaveText('pulled');
    await workbench.screenshot('registry-tag-pulled');
    vscodeServer.berth('rmi', reference);
    vscodeServer.berth('logout', registry.host);
  });
});
