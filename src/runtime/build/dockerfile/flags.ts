/**
 * Instruction flags with BuildKit's BFlags rules: each instruction declares the flags it
 * takes and their kind; a bool flag is `--link`, `--link=true` or `--link=false` (any
 * case), a string flag needs `=value` and may appear once, a list flag needs `=value` and
 * may repeat. Every offending flag is reported at its own range (BuildKit stops at the
 * first).
 */

import type { Flag, Node } from './ast';
import { diagnostic, type Diagnostic, type Severity } from './diagnostics';

type FlagKind = 'bool' | 'string' | 'list';
export type FlagSpec = Readonly<Record<string, FlagKind>>;

export class FlagSet {
  /** By name: a bool flag's boolean, a string flag's Flag, a list flag's Flags (the spec says which). */
  private readonly values = new Map<string, boolean | Flag | Flag[]>();
  /** False when a flag was reported. */
  ok = true;

  /** undefined when the flag was not given. */
  bool(name: string): boolean | undefined {
    return this.values.get(name) as boolean | undefined;
  }

  string(name: string): Flag | undefined {
    return this.values.get(name) as Flag | undefined;
  }

  list(name: string): readonly Flag[] {
    return (this.values.get(name) as Flag[] | undefined) ?? [];
  }

  /** Reads the node's flags against `spec`; `severity` lowers reports for flags BuildKit ignores. */
  static read(node: Node, spec: FlagSpec, diagnostics: Diagnostic[], severity?: Severity): FlagSet {
    // Most instructions have no flags: one shared empty set spares a Dockerfile's worth of maps.
    if (node.flags.length === 0) return noFlags;
    const set = new FlagSet();
    const report = (code: 'unknown-flag' | 'duplicate-flag' | 'flag-syntax', message: string, flag: Flag) => {
      diagnostics.push(diagnostic(code, message, flag.range, severity));
      if (severity === undefined || severity === 'error') set.ok = false;
    };
    const values = set.values;
    for (const flag of node.flags) {
      const kind = Object.prototype.hasOwnProperty.call(spec, flag.name) ? spec[flag.name] : undefined;
      if (kind === undefined) {
        const known = Object.keys(spec);
        const hint = known.length > 0 ? ` (${node.keyword.toUpperCase()} takes ${known.map((k) => `--${k}`).join(', ')})` : '';
        report('unknown-flag', `unknown flag: --${flag.name}${hint}`, flag);
        continue;
      }
      if (kind !== 'list' && values.has(flag.name)) {
        report('duplicate-flag', `duplicate flag specified: --${flag.name}`, flag);
        continue;
      }
      if (kind === 'bool') {
        const v = flag.value?.toLowerCase();
        if (v === '') report('flag-syntax', `missing a value on flag: --${flag.name}`, flag);
        else if (v === undefined || v === 'true') values.set(flag.name, true);
        else if (v === 'false') values.set(flag.name, false);
        else report('flag-syntax', `expecting boolean value for flag --${flag.name}, not: ${flag.value}`, flag);
        continue;
      }
      if (flag.value === undefined) {
        report('flag-syntax', `missing a value on flag: --${flag.name}`, flag);
        continue;
      }
      const list = kind === 'list' ? (values.get(flag.name) as Flag[] | undefined) : undefined;
      if (kind === 'string') values.set(flag.name, flag);
      else if (list) list.push(flag);
      else values.set(flag.name, [flag]);
    }
    return set;
  }
}

const noFlags = new FlagSet();
