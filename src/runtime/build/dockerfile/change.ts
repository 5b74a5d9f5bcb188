/**
 * `--change` for `berth import` and `berth commit`: Dockerfile instructions applied to an
 * image config, as `docker import/commit --change` does (moby's BuildFromConfig). Each
 * change goes through the same parser, typed conversion and variable expansion as a
 * Dockerfile; only the instructions docker allows are accepted.
 */

import { BerthError } from '../../errors';
import { toInstruction } from './convert';
import type { Diagnostic } from './diagnostics';
import { expandInstruction } from './expand';
import type { Instruction } from './instructions';
import { parse } from './parser';
import { Scope } from './stages';

/** A change to an image config, in the config's own terms. */
export type ConfigChange =
  /** Shell form (`prependShell`) runs `args[0]` with the config's Shell (default `/bin/sh -c`). */
  | { readonly kind: 'cmd' | 'entrypoint'; readonly args: readonly string[]; readonly prependShell: boolean }
  | { readonly kind: 'env' | 'label'; readonly pairs: readonly (readonly [string, string])[] }
  /** Normalised ports, `80/tcp`; ranges are listed port by port. */
  | { readonly kind: 'expose'; readonly ports: readonly string[] }
  | { readonly kind: 'volume'; readonly paths: readonly string[] }
  /** A relative path is relative to the config's current WorkingDir. */
  | { readonly kind: 'workdir'; readonly path: string }
  | { readonly kind: 'user'; readonly user: string }
  | { readonly kind: 'stopsignal'; readonly signal: string }
  | { readonly kind: 'onbuild'; readonly expression: string }
  /** Durations in nanoseconds, as the config stores them. */
  | {
      readonly kind: 'healthcheck';
      readonly test: readonly string[];
      readonly interval: number;
      readonly timeout: number;
      readonly startPeriod: number;
      readonly startInterval: number;
      readonly retries: number;
    };

const allowed = ['CMD', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'HEALTHCHECK', 'LABEL', 'ONBUILD', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR'];

export interface ChangeOptions {
  /** The config's Env before the changes: variables in changes expand against it. */
  readonly env?: readonly string[];
}

function invalid(change: string, message: string, cause?: unknown): BerthError {
  return new BerthError('invalid-argument', `--change ${JSON.stringify(change)}: ${message}`, { cause });
}

/**
 * Reads every change, in order (a later ENV sees an earlier one). Throws an
 * invalid-argument BerthError naming the first change that docker would refuse.
 */
export function parseChanges(changes: readonly string[], options: ChangeOptions = {}): ConfigChange[] {
  let scope = Scope.fromList(options.env ?? []);
  const out: ConfigChange[] = [];
  for (const change of changes) {
    const syntax = parse(change);
    const diagnostics: Diagnostic[] = [];
    const firstError = () => [...syntax.diagnostics, ...diagnostics].find((d) => d.severity === 'error');
    if (syntax.nodes.length === 0 || firstError()) throw invalid(change, firstError()?.message ?? 'no instruction', syntax.diagnostics);
    for (const node of syntax.nodes) {
      const name = node.keyword.toUpperCase();
      if (!allowed.includes(name)) {
        throw invalid(change, `${name} is not a valid change command (docker allows ${allowed.join(', ')})`);
      }
      const typed = toInstruction(node, diagnostics);
      const expanded = typed && expandInstruction(typed, scope, syntax.escapeToken, diagnostics);
      const error = firstError();
      if (!expanded || error) throw invalid(change, error?.message ?? 'invalid instruction', diagnostics);
      const result = toChange(expanded);
      if ('error' in result) throw invalid(change, result.error);
      if (result.kind === 'env') for (const [k, v] of result.pairs) scope = scope.with(k, v);
      out.push(result);
    }
  }
  return out;
}

function toChange(i: Instruction): ConfigChange | { error: string } {
  switch (i.kind) {
    case 'cmd':
    case 'entrypoint':
      return { kind: i.kind, args: i.command.args.map((a) => a.value), prependShell: i.command.prependShell };
    case 'env':
    case 'label':
      return { kind: i.kind, pairs: i.pairs.map((p) => [p.key.value, p.value.value] as const) };
    case 'expose':
      return exposedPorts(i.ports.map((p) => p.value));
    case 'volume':
      return { kind: 'volume', paths: i.paths.map((p) => p.value) };
    case 'workdir':
      return { kind: 'workdir', path: i.path.value };
    case 'user':
      return { kind: 'user', user: i.user.value };
    case 'stopsignal':
      return { kind: 'stopsignal', signal: i.signal.value };
    case 'onbuild':
      return { kind: 'onbuild', expression: i.expression };
    case 'healthcheck': {
      const { test, interval, timeout, startPeriod, startInterval, retries } = i;
      return { kind: 'healthcheck', test, interval, timeout, startPeriod, startInterval, retries };
    }
    default:
      return { error: `${i.kind.toUpperCase()} is not a valid change command` };
  }
}

/** docker's nat.ParsePortSpecs for EXPOSE: `80`, `80/udp`, `8000-8002/tcp`. */
function exposedPorts(specs: readonly string[]): ConfigChange | { error: string } {
  const ports: string[] = [];
  for (const spec of specs) {
    const m = /^([0-9]+)(?:-([0-9]+))?(?:\/([a-zA-Z]+))?$/.exec(spec);
    const proto = (m?.[3] ?? 'tcp').toLowerCase();
    const first = Number(m?.[1]);
    const last = m?.[2] === undefined ? first : Number(m[2]);
    if (!m || first > 65535 || last > 65535 || last < first || !['tcp', 'udp', 'sctp'].includes(proto)) {
      return { error: `invalid port ${JSON.stringify(spec)}: use PORT[/PROTO] or FIRST-LAST[/PROTO] with tcp, udp or sctp` };
    }
    for (let p = first; p <= last; p++) ports.push(`${p}/${proto}`);
  }
  return { kind: 'expose', ports };
}
