/**
 * The `berth` argument grammar — docker's (spf13/pflag as docker's CLI configures it),
 * written out because its details are what people's fingers and scripts rely on:
 *
 *   --name value   --name=value   --name=        (long; `=` allows an empty value)
 *   -e A=b   -eA=b   -e=A=b                     (short with a value)
 *   -it   -dit   -ite A=b                       (short bools combine; a value flag
 *                                                 ends the cluster and takes the rest
 *                                                 or the next word)
 *   --rm  --rm=false  -d=false                  (bools take no separate word)
 *   --   ends the flags; `-` alone is a positional (stdin)
 *   repeatable flags (-e, -v, -l, --mount…) collect every occurrence in order
 *   flags may follow positionals (`berth rm web -f`), except for verbs that run a
 *   command (run, create, exec): there the first positional ends the flags, so
 *   `berth run busybox ls -l` passes `-l` to `ls`.
 *
 * `--help` is recognised anywhere flags are; `-h` too, unless the verb gives `-h`
 * another meaning (run's --hostname). A value flag takes the next word whatever it
 * looks like (`--tail -1`, `-e -x`), as pflag does.
 */
import { BerthError } from '../errors';

export type FlagKind = 'bool' | 'string' | 'list' | 'int' | 'number';

export interface FlagSpec {
  /** Long name, without the dashes. */
  name: string;
  /** One-letter shorthand. */
  short?: string;
  /** Other long names accepted for this flag (docker's renamed flags, `--time` → `--timeout`). */
  aliases?: string[];
  kind: FlagKind;
  description: string;
  /** Word shown in help after the flag: `-e, --env list`. Defaults from the kind. */
  valueName?: string;
  /** Kept out of `--help` (deprecated spellings). */
  hidden?: boolean;
}

export type FlagValue = boolean | string | number | string[];

export interface ParseOptions {
  /** False for run/create/exec: the first positional ends the flags. */
  interspersed?: boolean;
}

export interface ParsedArgs {
  /** Keyed by the flag's long name; absent when not given (list flags: absent or ≥1 entry). */
  flags: Record<string, FlagValue>;
  positionals: string[];
  help: boolean;
}

/**
 * A mistake in the command line: the CLI prints it, points at `--help` and exits 125,
 * the status docker uses for its own errors.
 */
export class UsageError extends BerthError {
  constructor(message: string) {
    super('invalid-argument', message);
    this.name = 'UsageError';
  }
}

export function isUsageError(err: unknown): err is UsageError {
  return err instanceof UsageError;
}

export function parseArgs(argv: readonly string[], specs: readonly FlagSpec[], options: ParseOptions = {}): ParsedArgs {
  const interspersed = options.interspersed ?? true;
  const byLong = new Map<string, FlagSpec>();
  const byShort = new Map<string, FlagSpec>();
  for (const spec of specs) {
    byLong.set(spec.name, spec);
    for (const alias of spec.aliases ?? []) byLong.set(alias, spec);
    if (spec.short) byShort.set(spec.short, spec);
  }
  const helpShort = !byShort.has('h');

  const result: ParsedArgs = { flags: {}, positionals: [], help: false };
  let i = 0;
  while (i < argv.length) {
    const word = argv[i++];
    if (word === '--') {
      result.positionals.push(...argv.slice(i));
      break;
    }
    if (!word.startsWith('-') || word === '-') {
      result.positionals.push(word);
      if (!interspersed) {
        result.positionals.push(...argv.slice(i));
        break;
      }
      continue;
    }
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = eq < 0 ? word.slice(2) : word.slice(2, eq);
      const inline = eq < 0 ? undefined : word.slice(eq + 1);
      const spec = byLong.get(name);
      if (!spec) {
        if (name === 'help') {
          result.help = true;
          continue;
        }
        throw new UsageError(`unknown flag: --${name}`);
      }
      if (spec.kind === 'bool') {
        setFlag(result, spec, inline === undefined ? true : parseBool(spec, inline));
      } else if (inline !== undefined) {
        setFlag(result, spec, inline);
      } else if (i < argv.length) {
        setFlag(result, spec, argv[i++]);
      } else {
        throw new UsageError(`flag needs an argument: --${name}`);
      }
      continue;
    }
    // A cluster of shorthands: -dit, -eA=b, -e=A=b, -d=false.
    const cluster = word.slice(1);
    for (let k = 0; k < cluster.length; k++) {
      const letter = cluster[k];
      const spec = byShort.get(letter);
      if (!spec) {
        if (letter === 'h' && helpShort) {
          result.help = true;
          continue;
        }
        throw new UsageError(`unknown shorthand flag: '${letter}' in -${cluster}`);
      }
      const rest = cluster.slice(k + 1);
      const inline = rest.startsWith('=') ? rest.slice(1) : undefined;
      if (spec.kind === 'bool') {
        if (inline !== undefined) {
          setFlag(result, spec, parseBool(spec, inline));
          break;
        }
        setFlag(result, spec, true);
        continue;
      }
      if (inline !== undefined) setFlag(result, spec, inline);
      else if (rest.length > 0) setFlag(result, spec, rest);
      else if (i < argv.length) setFlag(result, spec, argv[i++]);
      else throw new UsageError(`flag needs an argument: '${letter}' in -${cluster}`);
      break;
    }
  }
  return result;
}

function setFlag(result: ParsedArgs, spec: FlagSpec, raw: string | boolean): void {
  switch (spec.kind) {
    case 'bool':
      result.flags[spec.name] = raw as boolean;
      return;
    case 'string':
      result.flags[spec.name] = raw as string;
      return;
    case 'list': {
      const list = (result.flags[spec.name] as string[] | undefined) ?? [];
      list.push(raw as string);
      result.flags[spec.name] = list;
      return;
    }
    case 'int':
      if (!/^[+-]?\d+$/.test(raw as string)) throw invalidValue(spec, raw as string, 'expected a whole number');
      result.flags[spec.name] = Number.parseInt(raw as string, 10);
      return;
    case 'number': {
      const n = Number(raw);
      if ((raw as string).trim() === '' || !Number.isFinite(n)) throw invalidValue(spec, raw as string, 'expected a number');
      result.flags[spec.name] = n;
      return;
    }
  }
}

function parseBool(spec: FlagSpec, raw: string): boolean {
  // strconv.ParseBool's spellings.
  if (['1', 't', 'T', 'true', 'TRUE', 'True'].includes(raw)) return true;
  if (['0', 'f', 'F', 'false', 'FALSE', 'False'].includes(raw)) return false;
  throw invalidValue(spec, raw, 'expected true or false');
}

export function flagLabel(spec: FlagSpec): string {
  return spec.short ? `-${spec.short}, --${spec.name}` : `--${spec.name}`;
}

function invalidValue(spec: FlagSpec, raw: string, why: string): UsageError {
  return new UsageError(`invalid argument "${raw}" for "${flagLabel(spec)}" flag: ${why}`);
}

/** The flags section of `--help`, aligned like cobra's. */
export function formatFlagHelp(specs: readonly FlagSpec[]): string {
  const rows = specs
    .filter((s) => !s.hidden)
    .map((s) => {
      const head = (s.short ? `-${s.short}, ` : '    ') + `--${s.name}`;
      const value = s.kind === 'bool' ? '' : ` ${s.valueName ?? defaultValueName(s.kind)}`;
      return [head + value, s.description] as const;
    });
  rows.push(['    --help', 'Print usage']);
  const width = Math.max(...rows.map(([left]) => left.length));
  return rows.map(([left, right]) => `  ${left.padEnd(width)}   ${right}`).join('\n');
}

function defaultValueName(kind: FlagKind): string {
  switch (kind) {
    case 'list':
      return 'list';
    case 'int':
      return 'int';
    case 'number':
      return 'decimal';
    default:
      return 'string';
  }
}

/** Typed readers over ParsedArgs.flags, so handlers don't cast. */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.flags[name];
  return typeof v === 'string' ? v : undefined;
}
export function bool(args: ParsedArgs, name: string): boolean {
  return args.flags[name] === true;
}
export function list(args: ParsedArgs, name: string): string[] {
  const v = args.flags[name];
  return Array.isArray(v) ? v : [];
}
export function num(args: ParsedArgs, name: string): number | undefined {
  const v = args.flags[name];
  return typeof v === 'number' ? v : undefined;
}
