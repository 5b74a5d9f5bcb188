// Playwright fixtures for the UI and smoke suites.
//
//   vscodeServer  (worker)  one VS Code server per worker, stopped with its process group;
//                 its Berth store is a temp dir of its own (vscodeServer.berthRoot)
//   vsix          (worker option)  install this .vsix and load it like a user would;
//                 unset = load the repo's extension in development mode
//   workspaceFolder (option)  the folder the workbench opens; default a temp folder with
//                 a small Dockerfile
//   workbench     the page, opened on the workspace with the extension loaded, plus helpers
//                 for views, trees, the command palette, editors, terminals and screenshots;
//                 a failed test gets the extension host's log attached
//
// Screenshots taken through workbench.screenshot() land in the test's output folder under
// test-results/, which run.sh keeps as the suite's artifacts.
import { test as base, expect, type Locator, type Page, type TestInfo } from '@playwright/test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installVsix, repoRoot, VsCodeServer } from './server';

export { expect };

/** The options a Playwright project sets in `use` (see playwright.config.ts). */
export type WorkerOptions = { vsix: string | undefined };
type WorkerFixtures = WorkerOptions & { vscodeServer: VsCodeServer };
type TestFixtures = { workspaceFolder: string | undefined; workbench: Workbench };

export const test = base.extend<TestFixtures, WorkerFixtures>({
  vsix: [undefined, { scope: 'worker', option: true }],

  vscodeServer: [
    async ({ vsix }, use) => {
      let extensionsDir: string | undefined;
      if (vsix) {
        extensionsDir = mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-extensions-'));
        installVsix(vsix, extensionsDir);
      }
      const server = await VsCodeServer.start(extensionsDir ? { extensionsDir } : {});
      try {
        await use(server);
      } finally {
        await server.stop();
        if (extensionsDir) rmSync(extensionsDir, { recursive: true, force: true });
      }
    },
    { scope: 'worker', timeout: 120_000 },
  ],

  workspaceFolder: [undefined, { option: true }],

  workbench: async ({ page, vscodeServer, vsix, workspaceFolder }, use, testInfo) => {
    let folder = workspaceFolder;
    let temporary: string | undefined;
    if (!folder) {
      folder = temporary = mkdtempSync(path.join(os.tmpdir(), 'berth-e2e-workspace-'));
      writeFileSync(path.join(folder, 'Dockerfile'), 'FROM busybox\nRUN echo hello\n');
    }
    await page.goto(
      vscodeServer.workbenchUrl({ folder, extensionDevelopmentPath: vsix ? undefined : repoRoot }),
    );
    const workbench = new Workbench(page, testInfo, folder);
    await workbench.ready();
    try {
      await use(workbench);
    } finally {
      if (temporary) rmSync(temporary, { recursive: true, force: true });
    }
    const log = vscodeServer.latestExtensionHostLog();
    if (testInfo.status !== testInfo.expectedStatus && log) {
      await testInfo.attach('extension-host.log', { path: log, contentType: 'text/plain' });
    }
  },
});

/** Selectors that work on VS Code 1.100's workbench (see E2E.md), behind names. */
export class Workbench {
  constructor(
    readonly page: Page,
    private readonly testInfo: TestInfo,
    /** The workspace folder the workbench has open. */
    readonly folder: string,
  ) {}

  /**
   * Waits for the workbench, and for Berth's contributions: the command palette lists
   * the commands known when it opens, so opening it before the extension is scanned
   * would miss Berth's.
   */
  async ready(): Promise<void> {
    await expect(this.page.locator('.monaco-workbench')).toBeVisible({ timeout: 30_000 });
    await expect(this.activityBarItem('Berth')).toBeVisible({ timeout: 30_000 });
  }

  // ---- views and trees ----------------------------------------------------------

  /** The activity-bar entry of a view container, e.g. 'Berth'. */
  activityBarItem(title: string): Locator {
    return this.page.locator(`.activitybar .action-label[aria-label^="${title}"]`);
  }

  /** Opens a view container from the activity bar (a click on an open one would close it). */
  async openViewContainer(title: string): Promise<Locator> {
    const sidebarTitle = this.page.locator('.sidebar .composite.title');
    if (!(await sidebarTitle.textContent())?.toLowerCase().includes(title.toLowerCase())) {
      await this.activityBarItem(title).click();
    }
    await expect(sidebarTitle).toContainText(title, { ignoreCase: true });
    return this.page.locator('.sidebar');
  }

  /** Opens the Berth view container: its Containers and Images views, and Registries (collapsed at first). */
  openBerth(): Promise<Locator> {
    return this.openViewContainer('Berth');
  }

  /** A view (header and body) in the open sidebar, by its exact name, e.g. 'Containers'. */
  view(name: string): Locator {
    const title = this.page.locator('.pane-header .title', { hasText: new RegExp(`^${escapeRegExp(name)}$`, 'i') });
    return this.page.locator('.sidebar .pane').filter({ has: title });
  }

  /** Expands a view that is collapsed (Registries starts so), by its header. */
  async expandView(name: string): Promise<void> {
    const header = this.view(name).locator('.pane-header');
    if ((await header.getAttribute('aria-expanded')) !== 'true') await header.click();
    await expect(header).toHaveAttribute('aria-expanded', 'true');
  }

  /** The rows of a view's tree. */
  treeItems(view: string): Locator {
    return this.view(view).locator('.pane-body .monaco-list-row');
  }

  /** The row of a view's tree whose label is exactly `label`. */
  treeItem(view: string, label: string): Locator {
    const name = this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(label)}$`) });
    return this.treeItems(view).filter({ has: name });
  }

  /** The labels of a view's visible tree rows, top to bottom (without descriptions). */
  treeLabels(view: string): Promise<string[]> {
    return this.treeItems(view).locator('.label-name').allTextContents();
  }

  // ---- command palette ----------------------------------------------------------

  /** Opens the command palette and types; returns the matching rows. */
  async searchCommands(text: string): Promise<Locator> {
    await this.page.keyboard.press('F1');
    const input = this.page.locator('.quick-input-widget .quick-input-box input');
    await expect(input).toBeVisible();
    await input.fill(`>${text}`);
    return this.page.locator('.quick-input-list .monaco-list-row');
  }

  /** Runs a command from the palette by its full title, e.g. 'Berth: Show Runtime Info'. */
  async runCommand(title: string): Promise<void> {
    const rows = await this.searchCommands(title);
    const row = rows.filter({ has: this.page.locator('.label-name', { hasText: new RegExp(`^${escapeRegExp(title)}$`) }) });
    await expect(row).toHaveCount(1);
    await row.click();
    await expect(this.page.locator('.quick-input-widget')).toBeHidden();
  }

  async closeQuickInput(): Promise<void> {
    await this.page.keyboard.press('Escape');
    await expect(this.page.locator('.quick-input-widget')).toBeHidden();
  }

  // ---- editors ------------------------------------------------------------------

  /** The tab of the active editor. */
  activeTab(): Locator {
    return this.page.locator('.tabs-container .tab.active');
  }

  /** The active editor's visible lines (Monaco renders only those in view). */
  editor(): Locator {
    return this.page.locator('.editor-instance .monaco-editor .view-lines').first();
  }

  // ---- terminals ----------------------------------------------------------------

  /** Opens a new integrated terminal and waits for it to show. */
  async openTerminal(): Promise<void> {
    await this.runCommand('Terminal: Create New Terminal');
    await expect(this.terminal()).toBeVisible();
  }

  /** Types a line into the active terminal and presses Enter. */
  async typeInTerminal(line: string): Promise<void> {
    await this.page.locator('.terminal-wrapper.active .xterm').click();
    await this.page.keyboard.type(line);
    await this.page.keyboard.press('Enter');
  }

  /** The active terminal's rows, as text (server.ts's settings pick the DOM renderer). */
  terminal(): Locator {
    return this.page.locator('.terminal-wrapper.active .xterm-rows');
  }

  // ---- artifacts ----------------------------------------------------------------

  /** Saves a full-page screenshot as a kept artifact of the test, and attaches it. */
  async screenshot(name: string): Promise<string> {
    const file = this.testInfo.outputPath(`${name}.png`);
    await this.page.screenshot({ path: file });
    await this.testInfo.attach(name, { path: file, contentType: 'image/png' });
    return file;
  }
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
