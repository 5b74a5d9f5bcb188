import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { FlagSpec, parseArgs, formatFlagHelp, isUsageError } from '../../../src/runtime/cli/args';

const runFlags: FlagSpec[] = [
  { name: 'detach', short: 'd', kind: 'bool', description: 'Run in background' },
  { name: 'interactive', short: 'i', kind: 'bool', description: 'Keep STDIN open' },
  { name: 'tty', short: 't', kind: 'bool', description: 'Allocate a pseudo-TTY' },
  { name: 'rm', kind: 'bool', description: 'Remove on exit' },
  { name: 'env', short: 'e', kind: 'list', description: 'Set environment variables' },
  { name: 'name', kind: 'string', description: 'Name' },
  { name: 'hostname', short: 'h', kind: 'string', description: 'Hostname' },
  { name: 'cpus', kind: 'number', description: 'CPUs' },
  { name: 'stop-timeout', kind: 'int', description: 'Timeout' },
];
const stopFlags: FlagSpec[] = [{ name: 'time', short: 't', aliases: ['timeout'], kind: 'int', description: 'Seconds to wait' }];
const logsFlags: FlagSpec[] = [
  { name: 'follow', short: 'f', kind: 'bool', description: 'Follow' },
  { name: 'tail', short: 'n', kind: 'string', description: 'Lines' },
];

const run = (argv: string[]) => parseArgs(argv, runFlags, { interspersed: false });

function usageError(fn: () => unknown, message: RegExp): void {
  assert.throws(fn, (err: unknown) => isUsageError(err) && message.test((err as Error).message));
}

describe('parseArgs', () => {
  it('combines short booleans', () => {
    const a = run(['-it', 'busybox']);
    assert.deepEqual(a.flags, { interactive: true, tty: true });
    assert.deepEqual(a.positionals, ['busybox']);
    assert.deepEqual(run(['-dit', 'busybox']).flags, { detach: true, interactive: true, tty: true });
  });

  it('reads a short value from the next word, the rest of the cluster, or after =', () => {
    assert.deepEqual(run(['-e', 'A=b', 'x']).flags.env, ['A=b']);
    assert.deepEqual(run(['-eA=b', 'x']).flags.env, ['A=b']);
    assert.deepEqual(run(['-e=A=b', 'x']).flags.env, ['A=b']);
  });

  it('lets a value flag end a cluster of booleans', () => {
    assert.deepEqual(run(['-ite', 'A=b', 'x']).flags, { interactive: true, tty: true, env: ['A=b'] });
    assert.deepEqual(run(['-itename=x', 'img']).flags, { interactive: true, tty: true, env: ['name=x'] });
    usageError(() => run(['-itA=b', 'x']), /unknown shorthand flag: 'A' in -itA=b/);
  });

  it('reads long values with a space or =, including an empty one', () => {
    assert.equal(run(['--name', 'web', 'x']).flags.name, 'web');
    assert.equal(run(['--name=web', 'x']).flags.name, 'web');
    assert.equal(run(['--name=', 'x']).flags.name, '');
    assert.deepEqual(run(['--env=A=b=c', 'x']).flags.env, ['A=b=c']);
  });

  it('collects repeated flags in order', () => {
    assert.deepEqual(run(['-e', 'A=1', '--env', 'B=2', '-eC=3', '--env=D=4', 'x']).flags.env, ['A=1', 'B=2', 'C=3', 'D=4']);
  });

  it('keeps the last value of a repeated single-value flag', () => {
    assert.equal(run(['--name', 'a', '--name', 'b', 'x']).flags.name, 'b');
  });

  it('takes explicit boolean values only after =', () => {
    assert.equal(run(['--rm=false', 'x']).flags.rm, false);
    assert.equal(run(['--rm=true', 'x']).flags.rm, true);
    assert.equal(run(['-d=false', 'x']).flags.detach, false);
    const a = run(['--rm', 'false']);
    assert.equal(a.flags.rm, true);
    assert.deepEqual(a.positionals, ['false']);
    usageError(() => run(['--rm=maybe', 'x']), /invalid argument "maybe" for "--rm" flag/);
  });

  it('stops at the first positional for run, create and exec', () => {
    const a = run(['--rm', 'busybox', 'ls', '-l', '--name', 'x', '--']);
    assert.deepEqual(a.flags, { rm: true });
    assert.deepEqual(a.positionals, ['busybox', 'ls', '-l', '--name', 'x', '--']);
  });

  it('lets flags follow positionals elsewhere', () => {
    const a = parseArgs(['web', '-f', 'db'], logsFlags);
    assert.deepEqual(a.flags, { follow: true });
    assert.deepEqual(a.positionals, ['web', 'db']);
  });

  it('ends flags at --', () => {
    const a = parseArgs(['-f', '--', '-n', '--follow'], logsFlags);
    assert.deepEqual(a.flags, { follow: true });
    assert.deepEqual(a.positionals, ['-n', '--follow']);
    const b = run(['--rm', '--', 'busybox', '-x']);
    assert.deepEqual(b.positionals, ['busybox', '-x']);
  });

  it('treats a lone dash as a positional', () => {
    assert.deepEqual(parseArgs(['-', 'ctr:/tmp'], []).positionals, ['-', 'ctr:/tmp']);
  });

  it('takes the next word as a value even when it starts with a dash', () => {
    assert.equal(parseArgs(['--tail', '-1'], logsFlags).flags.tail, '-1');
    assert.deepEqual(run(['-e', '-x', 'img']).flags.env, ['-x']);
  });

  it('parses numbers and refuses non-numbers', () => {
    assert.equal(run(['--cpus', '1.5', 'x']).flags.cpus, 1.5);
    assert.equal(run(['--stop-timeout=30', 'x']).flags['stop-timeout'], 30);
    usageError(() => run(['--cpus', 'lots', 'x']), /invalid argument "lots" for "--cpus" flag/);
    usageError(() => parseArgs(['-t', '1.5'], stopFlags), /invalid argument "1.5" for "-t, --time" flag/);
  });

  it('accepts long aliases under the canonical name', () => {
    assert.equal(parseArgs(['--timeout', '3'], stopFlags).flags.time, 3);
    assert.equal(parseArgs(['-t3'], stopFlags).flags.time, 3);
  });

  it('reports unknown flags the way docker does', () => {
    usageError(() => run(['--nope', 'x']), /^unknown flag: --nope$/);
    usageError(() => run(['-iz', 'x']), /^unknown shorthand flag: 'z' in -iz$/);
  });

  it('reports a missing value', () => {
    usageError(() => run(['--name']), /^flag needs an argument: --name$/);
    usageError(() => run(['-ie']), /^flag needs an argument: 'e' in -ie$/);
  });

  it('recognises --help anywhere flags are, and -h unless the verb owns it', () => {
    assert.equal(run(['--help']).help, true);
    assert.equal(parseArgs(['web', '--help'], logsFlags).help, true);
    assert.equal(parseArgs(['-h'], logsFlags).help, true);
    assert.equal(run(['-h', 'box', 'img']).flags.hostname, 'box');
    assert.equal(run(['-h', 'box', 'img']).help, false);
    assert.equal(run(['img', '--help']).help, false, 'after the image, --help belongs to the command');
  });

  it('formats help with aligned descriptions', () => {
    const help = formatFlagHelp(runFlags.slice(0, 5));
    assert.match(help, /^  -d, --detach +Run in background$/m);
    assert.match(help, /-e, --env list {6}Set environment variables/);
    assert.match(help, /--help/);
  });
});
