/**
 * The store's event log: `<root>/events.jsonl`, appended to by every Berth process and
 * by the container monitors (O_APPEND, one line per event, each write well under
 * PIPE_BUF so lines never interleave). Readers watch the file instead of polling; that
 * is how the extension sees a container started by the CLI in another process.
 *
 * The log is rotated past 4 MiB to events.jsonl.1 (one generation kept): `events
 * --since` reads both.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { RuntimeEvent, isRuntimeEvent } from './events';

const ROTATE_AT = 4 * 1024 * 1024;

export class EventLog {
  constructor(readonly file: string) {}

  /**
   * Synchronous: a line of a few hundred bytes appended (no fsync) costs less than the
   * round trips to libuv's thread pool that appendFile and stat would take (0.05 against
   * 0.3 ms here), and every container start and removal appends.
   */
  async append(event: Omit<RuntimeEvent, 'time' | 'pid'> & { time?: string }): Promise<RuntimeEvent> {
    const full: RuntimeEvent = { ...event, time: event.time ?? new Date().toISOString(), pid: process.pid };
    fs.appendFileSync(this.file, JSON.stringify(full) + '\n');
    if (safeSize(this.file) > ROTATE_AT) await fsp.rename(this.file, this.file + '.1').catch(() => undefined);
    return full;
  }

  /** Past events, oldest first, optionally from a time on. */
  async history(since?: Date, until?: Date): Promise<RuntimeEvent[]> {
    const out: RuntimeEvent[] = [];
    for (const file of [this.file + '.1', this.file]) {
      const text = await fsp.readFile(file, 'utf8').catch(() => '');
      for (const event of parseLines(text)) {
        const t = Date.parse(event.time);
        if (since && t < since.getTime()) continue;
        if (until && t > until.getTime()) continue;
        out.push(event);
      }
    }
    return out;
  }

  /**
   * Calls `listener` for every event appended from now on, by any process. Returns a
   * function that stops watching. Watches the directory, not the file, so rotation and
   * a file created after the watch began are both seen.
   */
  watch(listener: (event: RuntimeEvent) => void): () => void {
    let offset = safeSize(this.file);
    let reading = false;
    let again = false;
    const readNew = async () => {
      if (reading) {
        again = true;
        return;
      }
      reading = true;
      try {
        do {
          again = false;
          const size = safeSize(this.file);
          if (size < offset) offset = 0; // rotated: the new file starts empty
          if (size === offset) continue;
          const handle = await fsp.open(this.file, 'r');
          try {
            const buffer = Buffer.alloc(size - offset);
            const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
            // Only consume complete lines; a line still being written is read next time.
            const text = buffer.subarray(0, bytesRead).toString('utf8');
            const end = text.lastIndexOf('\n') + 1;
            offset += Buffer.byteLength(text.slice(0, end));
            for (const event of parseLines(text.slice(0, end))) listener(event);
          } finally {
            await handle.close();
          }
        } while (again);
      } catch {
        // The file may vanish between stat and open during rotation; the next change retries.
      } finally {
        reading = false;
      }
    };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const name = path.basename(this.file);
    const watcher = fs.watch(path.dirname(this.file), { persistent: false }, (_kind, changed) => {
      if (changed === null || changed === name) void readNew();
    });
    return () => watcher.close();
  }
}

function safeSize(file: string): number {
  try {
    return fs.statSync(file).size;
  } catch {
    return 0;
  }
}

function parseLines(text: string): RuntimeEvent[] {
  const out: RuntimeEvent[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const value: unknown = JSON.parse(line);
      if (isRuntimeEvent(value)) out.push(value);
    } catch {
      // A torn line from a process killed mid-write: skip it, keep the rest.
    }
  }
  return out;
}
