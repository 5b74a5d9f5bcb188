import { expect, test } from '../fixtures';

test.describe('Berth view container', () => {
  test('opens from the activity bar on the Containers, Images and Registries views', async ({ workbench }) => {
    await workbench.openBerth();
    await expect(workbench.view('Containers')).toBeVisible();
    await expect(workbench.view('Images')).toBeVisible();
    await expect(workbench.view('Registries')).toBeVisible();
    await workbench.screenshot('berth-view-open');
  });

  test('says how to get a first container and image while the store is empty', async ({ workbench }) => {
    await workbench.openBerth();
    await expect(workbench.view('Containers')).toContainText('No containers yet.');
    await expect(workbench.view('Containers')).toContainText('berth run IMAGE');
    await expect(workbench.view('Images')).toContainText('No images yet.');
    await expect(workbench.view('Images')).toContainText('berth load -i FILE.tar');
    await expect(workbench.treeItems('Containers')).toHaveCount(0);
    await expect(workbench.treeItems('Images')).toHaveCount(0);
  });

  test('lists Berth: Show Runtime Info in the command palette', async ({ workbench }) => {
    const rows = await workbench.searchCommands('Berth: Show Runtime Info');
    await expect(rows.filter({ hasText: 'Berth: Show Runtime Info' })).toHaveCount(1);
    await workbench.screenshot('command-palette');
    await workbench.closeQuickInput();
  });
});
