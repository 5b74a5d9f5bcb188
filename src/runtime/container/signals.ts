/** Signal names and numbers as `kill -s`, `--stop-signal` and STOPSIGNAL accept them. */
import { constants } from 'node:os';
import { invalidArgument } from '../errors';

const BY_NUMBER = new Map<number, string>(Object.entries(constants.signals).map(([name, n]) => [n, name]));

/** Accepts `SIGTERM`, `TERM`, `term`, `15`; throws a clear error for anything else. */
export function signalNumber(signal: string | number): number {
  if (typeof signal === 'number' || /^\d+$/.test(signal)) {
    const n = Number(signal);
    if (n >= 1 && n <= 64) return n;
  } else {
    const upper = signal.toUpperCase();
    const name = (upper.startsWith('SIG') ? upper : `SIG${upper}`) as keyof typeof constants.signals;
    const n = constants.signals[name];
    if (typeof n === 'number') return n;
  }
  throw invalidArgument(`Unknown signal "${signal}". Use a name such as SIGTERM, SIGHUP or KILL, or a number from 1 to 64.`);
}

export function signalName(n: number): string {
  return BY_NUMBER.get(n) ?? `SIG${n}`;
}
