/**
 * A pull or push in a cancellable progress notification: the runtime's per-blob events
 * summed (./transfer-progress.ts) and reported at most every REPORT_MS, since a transfer
 * of several layers sends dozens of events a second and each report crosses to the UI.
 */
import type { TransferProgress } from '../../runtime/events';
import { withProgress } from './register';
import { TransferTally } from './transfer-progress';

const REPORT_MS = 150;

export function transferWithProgress<T>(title: string, work: (signal: AbortSignal, onProgress: (progress: TransferProgress) => void) => Promise<T>): Thenable<T> {
  return withProgress(title, (signal, report) => {
    const tally = new TransferTally();
    let last = 0;
    return work(signal, (progress) => {
      tally.add(progress);
      if (Date.now() - last < REPORT_MS) return;
      last = Date.now();
      report(tally.message(), tally.increment());
    });
  });
}
