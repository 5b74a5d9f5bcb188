/**
 * Sizes, durations and times the way docker reads and writes them (docker/go-units), so
 * `-m 64m`, `--since 10m` and the "4.2MB"/"3 minutes ago" columns mean what they mean
 * there.
 */
import { UsageError } from './args';

const DECIMAL_UNITS = ['B', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB', 'ZB', 'YB'];
const BINARY_UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB', 'ZiB', 'YiB'];

/** go-units HumanSize: decimal units, four significant digits ("4.26MB", "125kB", "0B"). */
export function humanSize(bytes: number): string {
  return customSize(bytes, 1000, DECIMAL_UNITS);
}

/** go-units BytesSize: binary units, as `docker stats` shows memory ("1.5MiB"). */
export function bytesSize(bytes: number): string {
  return customSize(bytes, 1024, BINARY_UNITS);
}

function customSize(bytes: number, base: number, units: string[]): string {
  let size = bytes;
  let i = 0;
  while (size >= base && i < units.length - 1) {
    size /= base;
    i++;
  }
  // %.4g: four significant digits, trailing zeros dropped.
  return `${formatG(size, 4)}${units[i]}`;
}

/** Go's %.Ng for the magnitudes sizes reach (never exponent form below 10^N). */
function formatG(value: number, precision: number): string {
  if (value === 0) return '0';
  return String(Number(value.toPrecision(precision)));
}

/**
 * go-units RAMInBytes: `-m`/`--memory`, `tmpfs-size`: a number with an optional binary
 * unit letter, optional `i` and `b` (`64m`, `1g`, `1.5GiB`, `512kb`, `1048576`).
 */
export function parseRamSize(text: string): number {
  const m = /^(\d+(?:\.\d+)*) ?([kmgtp])?i?b?$/i.exec(text.trim());
  if (!m) throw new UsageError(`invalid size: '${text}' (use a number of bytes or a unit: 64m, 512k, 1.5g)`);
  const value = Number(m[1]);
  if (!Number.isFinite(value)) throw new UsageError(`invalid size: '${text}'`);
  const power = m[2] ? 'kmgtp'.indexOf(m[2].toLowerCase()) + 1 : 0;
  return Math.floor(value * 1024 ** power);
}

const DURATION_UNITS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  'µs': 1e-3,
  'μs': 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

const DURATION = /^([+-]?)((?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+$/;

/** Go's time.ParseDuration, in milliseconds: `300ms`, `10s`, `1h30m`, `-1.5h`. */
export function parseDuration(text: string): number {
  const m = DURATION.exec(text);
  if (!m && text !== '0' && text !== '+0' && text !== '-0') throw new UsageError(`invalid duration: '${text}' (examples: 30s, 10m, 1h30m)`);
  if (!m) return 0;
  let total = 0;
  for (const part of text.slice(m[1].length).matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g)) {
    total += Number(part[1]) * DURATION_UNITS[part[2]];
  }
  return m[1] === '-' ? -total : total;
}

/**
 * docker's GetTimestamp for `--since`/`--until`: a Go duration relative to now (`10m` =
 * ten minutes ago), a unix time (`1700000000`, `1700000000.5`), or an RFC 3339 time or
 * prefix of one (`2026-11-23`, `2026-11-23T16:00`, `2026-11-23T16:00:00.5Z`; no zone
 * means local time).
 */
export function parseTimestamp(text: string, now: Date = new Date()): Date {
  if (DURATION.test(text)) {
    return new Date(now.getTime() - parseDuration(text));
  }
  if (/^\d+(\.\d+)?$/.test(text)) {
    const [sec, frac = ''] = text.split('.');
    return new Date(Number(sec) * 1000 + Math.floor(Number(`0.${frac || '0'}`) * 1000));
  }
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?(Z|[+-]\d{2}:?\d{2})?$/i.exec(text);
  if (m) {
    const [, y, mo, d, h = '00', mi = '00', s = '00', frac = '', zone] = m;
    const ms = Number(`0.${frac || '0'}`) * 1000;
    let date: Date;
    if (zone) {
      const iso = `${y}-${mo}-${d}T${h}:${mi}:${s}.${String(Math.floor(ms)).padStart(3, '0')}${zone.toUpperCase() === 'Z' ? 'Z' : zone.replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')}`;
      date = new Date(iso);
    } else {
      date = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.floor(ms));
    }
    if (!Number.isNaN(date.getTime())) return date;
  }
  throw new UsageError(`invalid time: '${text}' (use an RFC 3339 time like 2026-11-23T16:00:00Z, a unix time, or a duration like 10m)`);
}

/** go-units HumanDuration: "Less than a second", "About a minute", "3 hours", "2 weeks". */
export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.round(ms / 3_600_000);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(ms / 3_600_000 / 24 / 365)} years`;
}

/** "3 minutes ago", as docker's CREATED columns. */
export function timeAgo(time: string | Date | undefined, now: Date = new Date()): string {
  if (time === undefined) return '';
  const t = typeof time === 'string' ? new Date(time) : time;
  if (Number.isNaN(t.getTime())) return '';
  return `${humanDuration(Math.max(0, now.getTime() - t.getTime()))} ago`;
}

/**
 * RFC 3339 with exactly nine fractional digits in UTC ("2026-11-23T16:00:00.000000000Z"),
 * keeping sub-millisecond digits the source time carried — the events timestamp format.
 */
export function rfc3339Nano(time: string | Date): string {
  if (time instanceof Date) return time.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
  const m = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?Z$/.exec(time);
  if (m) return `${m[1]}.${(m[2] ?? '').padEnd(9, '0').slice(0, 9)}Z`;
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? time : rfc3339Nano(d);
}
