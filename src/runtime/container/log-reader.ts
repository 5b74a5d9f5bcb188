/**
 * Reads a container's log, written by its monitor in the CRI format:
 *   2026-11-23T16:00:00.123456789Z stdout F hello world
 * (F = full line, P = partial: a long line split by the monitor, continued by the next
 * record). Following watches the file and ends when the container has exited and the
 * last bytes are read.
 */
import * as fs from 'node:fs';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { LogEntry, LogOptions } from './container';

export function parseLogLine(line: string): LogEntry | undefined {
  const a = line.indexOf(' ');
  const b = line.indexOf(' ', a + 1);
  const c = line.indexOf(' ', b + 1);
  if (a < 0 || b < 0 || c < 0) return undefined;
  const stream = line.slice(a + 1, b);
  if (stream !== 'stdout' && stream !== 'stderr') return undefined;
  const partial = line.slice(b + 1, c) === 'P';
  return { time: line.slice(0, a), stream, text: line.slice(c + 1) + (partial ? '' : '\n') };
}

function inWindow(entry: LogEntry, options: LogOptions): boolean {
  if (!options.since && !options.until) return true;
  const t = Date.parse(entry.time);
  return (!options.since || t >= options.since.getTime()) && (!options.until || t <= options.until.getTime());
}

/**
 * Yields log entries. `isDone` is asked, when following, whether the writer has finished
 * for good (the container exited); then the remaining bytes are read and the stream ends.
 */
export async function* readLog(file: string, options: LogOptions, isDone: () => Promise<boolean>): AsyncGenerator<LogEntry> {
  const text = await fsp.readFile(file, 'utf8').catch(() => '');
  const end = text.lastIndexOf('\n') + 1;
  let entries = text.slice(0, end).split('\n').filter(Boolean).map(parseLogLine).filter((e): e is LogEntry => !!e && inWindow(e, options));
  if (options.tail !== undefined) entries = options.tail === 0 ? [] : entries.slice(-options.tail);
  yield* entries;
  if (!options.follow) return;

  let offset = Buffer.byteLength(text.slice(0, end));
  let wake: (() => void) | undefined;
  const watcher = fs.watch(path.dirname(file), { persistent: false }, () => wake?.());
  const onAbort = () => wake?.();
  options.signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      if (options.signal?.aborted) return;
      const done = await isDone();
      const chunk = await readFrom(file, offset);
      const lastNewline = chunk.lastIndexOf('\n') + 1;
      offset += Buffer.byteLength(chunk.slice(0, lastNewline));
      for (const line of chunk.slice(0, lastNewline).split('\n')) {
        const entry = line ? parseLogLine(line) : undefined;
        if (entry && inWindow(entry, options)) yield entry;
      }
      if (done) return;
      // Wake on any change in the container dir (log append, exit.json); the timeout is a
      // safety net for filesystems whose inotify misses writes from other namespaces.
      await new Promise<void>((resolve) => {
        wake = resolve;
        setTimeout(resolve, 1000).unref();
      });
    }
  } finally {
    watcher.close();
    options.signal?.removeEventListener('abort', onAbort);
  }
}

async function readFrom(file: string, offset: number): Promise<string> {
  const handle = await fsp.open(file, 'r').catch(() => undefined);
  if (!handle) return '';
  try {
    const size = (await handle.stat()).size;
    if (size <= offset) return '';
    const buffer = Buffer.alloc(size - offset);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, offset);
    return buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await handle.close();
  }
}
