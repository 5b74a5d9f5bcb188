/**
 * What the views show, kept in one place: the container and image lists, re-read when the
 * runtime reports a change. The runtime's events come from a file every Berth process
 * appends to (the CLI's too), so the views follow changes made anywhere without polling.
 *
 * Bursts of events (a prune, a compose-like start of many containers) are coalesced: one
 * re-read DEBOUNCE_MS after the last event, and never later than MAX_DELAY_MS after the
 * first — so a change shows within the 200 ms the views promise.
 */
import * as vscode from 'vscode';
import type { ContainerSummary } from '../../runtime/container/container';
import type { ImageSummary } from '../../runtime/cli/engine-port';
import type { RuntimeEvent } from '../../runtime/events';
import { getEngine, resetEngine } from '../engine-access';
import { output, reportError } from '../output';

const DEBOUNCE_MS = 30;
const MAX_DELAY_MS = 100;

type Kind = 'containers' | 'images';

export class RuntimeModel implements vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<Kind>();
  /** Fires after a list was re-read. */
  readonly onDidChange = this.changed.event;
  private readonly eventFired = new vscode.EventEmitter<RuntimeEvent>();
  /** Every runtime event, as it arrives (terminals follow restarts with it). */
  readonly onDidReceiveEvent = this.eventFired.event;

  containers: ContainerSummary[] | undefined;
  images: ImageSummary[] | undefined;

  private unwatch: (() => void) | undefined;
  private readonly pending = new Set<Kind>();
  private debounce: NodeJS.Timeout | undefined;
  private deadline: NodeJS.Timeout | undefined;
  private started: Promise<void> | undefined;
  private readonly configWatch: vscode.Disposable;

  constructor() {
    this.configWatch = vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('berth.store.root')) void this.restart();
    });
  }

  /** Opens the engine, subscribes to its events and reads both lists. Idempotent. */
  start(): Promise<void> {
    this.started ??= (async () => {
      const engine = await getEngine();
      this.unwatch = engine.onEvent((event) => this.onEvent(event));
      await Promise.all([this.reload('containers'), this.reload('images')]);
    })().catch((err: unknown) => {
      this.started = undefined;
      reportError('Opening the Berth store', err);
    });
    return this.started;
  }

  /** Re-reads both lists now (the views' Refresh action; a test's way to sync). */
  async refresh(): Promise<void> {
    await this.start();
    await Promise.all([this.reload('containers'), this.reload('images')]);
  }

  private async restart(): Promise<void> {
    this.unwatch?.();
    this.unwatch = undefined;
    this.started = undefined;
    this.containers = this.images = undefined;
    resetEngine();
    await this.start();
  }

  private onEvent(event: RuntimeEvent): void {
    this.eventFired.fire(event);
    // An exec changes nothing a view shows.
    if (event.type === 'container.exec') return;
    this.pending.add(event.type.startsWith('image.') ? 'images' : 'containers');
    // Images count their containers: a container created or removed changes that too.
    if (event.type === 'container.create' || event.type === 'container.destroy') this.pending.add('images');
    clearTimeout(this.debounce);
    this.debounce = setTimeout(() => this.flush(), DEBOUNCE_MS);
    this.deadline ??= setTimeout(() => this.flush(), MAX_DELAY_MS);
  }

  private flush(): void {
    clearTimeout(this.debounce);
    clearTimeout(this.deadline);
    this.debounce = this.deadline = undefined;
    const kinds = [...this.pending];
    this.pending.clear();
    for (const kind of kinds) void this.reload(kind);
  }

  private async reload(kind: Kind): Promise<void> {
    const engine = await getEngine();
    const began = performance.now();
    try {
      if (kind === 'containers') this.containers = await engine.listContainers({ all: true });
      else this.images = await engine.listImages({ all: true });
    } catch (err) {
      output().warn(`re-reading the ${kind}: ${err instanceof Error ? err.message : String(err)}`);
      return;
    }
    output().trace(`${kind} re-read in ${(performance.now() - began).toFixed(1)} ms`);
    this.changed.fire(kind);
  }

  dispose(): void {
    this.unwatch?.();
    clearTimeout(this.debounce);
    clearTimeout(this.deadline);
    this.configWatch.dispose();
    this.changed.dispose();
    this.eventFired.dispose();
  }
}
