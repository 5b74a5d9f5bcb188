/**
 * The runtime's per-blob transfer progress (pull and push), summed into what one progress
 * notification shows: bytes moved of the bytes that have to move, layers done, and the
 * percentage gained since the last report (VS Code's Progress takes increments, not totals).
 *
 * Blobs the other side already has (`exists`, `mounted`) count as done layers but not as
 * bytes: "0 B of 0 B" reads better than a bar that jumps to the end for nothing moved.
 * No `vscode` import, so it is unit-tested on its own.
 */
import type { TransferProgress } from '../../runtime/events';
import { bytes } from '../views/format';

const SKIPPED = new Set<TransferProgress['status']>(['exists', 'mounted']);
const DONE = new Set<TransferProgress['status']>(['exists', 'mounted', 'complete']);

export class TransferTally {
  private readonly blobs = new Map<string, TransferProgress>();
  private reportedPercent = 0;

  add(progress: TransferProgress): void {
    this.blobs.set(progress.digest, progress);
  }

  /** `3.1 MB of 12.0 MB · 2 of 4 layers`. */
  message(): string {
    const { moved, total, layers, layersDone } = this.sums();
    const layerText = layers > 0 ? ` · ${layersDone} of ${layers} layer${layers === 1 ? '' : 's'}` : '';
    return `${bytes(moved)} of ${bytes(total)}${layerText}`;
  }

  /** Percentage points gained since the last call. */
  increment(): number {
    const { moved, total, blobs, blobsDone } = this.sums();
    const percent = total > 0 ? (moved / total) * 100 : blobs > 0 ? (blobsDone / blobs) * 100 : 0;
    const gained = Math.max(0, percent - this.reportedPercent);
    this.reportedPercent = Math.max(this.reportedPercent, percent);
    return gained;
  }

  private sums(): { moved: number; total: number; layers: number; layersDone: number; blobs: number; blobsDone: number } {
    let moved = 0;
    let total = 0;
    let layers = 0;
    let layersDone = 0;
    let blobsDone = 0;
    for (const p of this.blobs.values()) {
      const done = DONE.has(p.status);
      if (done) blobsDone++;
      if (p.kind === 'layer') {
        layers++;
        if (done) layersDone++;
      }
      if (SKIPPED.has(p.status)) continue;
      total += p.total;
      moved += done ? p.total : Math.min(p.current, p.total);
    }
    return { moved, total, layers, layersDone, blobs: this.blobs.size, blobsDone };
  }
}
