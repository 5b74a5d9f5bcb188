/**
 * Parse-tree node to typed instruction, with BuildKit's checks (argument counts, flags,
 * stage names, HEALTHCHECK options, RUN options, ONBUILD triggers). A node that fails a
 * check gives undefined and at least one error diagnostic on the node or the offending
 * part; it never throws.
 */

import type { Heredoc, Node, Word } from './ast';
import { diagnostic, type Diagnostic, type DiagnosticCode } from './diagnostics';
import { FlagSet, type FlagSpec } from './flags';
import { chompHeredocContent, isHeredocMarker, parseHeredocMarker } from './heredoc';
import {
  subWord,
  type CommandLine,
  type HealthcheckInstruction,
  type InlineFile,
  type Instruction,
  type KeyValue,
  type RunMount,
} from './instructions';
import { parseDevice, parseMount, parseNetwork, parseSecurity, type Device } from './run-options';
import type { Range } from './source';

const validStageName = /^[a-z][a-z0-9-_.]*$/;

const copyOrAddFlags = { link: 'bool', chown: 'string', chmod: 'string', exclude: 'list' } as const;

/** The flags each instruction takes, as BuildKit declares them; made once, not per instruction. */
const flagSpecs = {
  none: {},
  from: { platform: 'string' },
  run: { mount: 'list', network: 'string', security: 'string', device: 'list' },
  copy: { ...copyOrAddFlags, from: 'string', parents: 'bool' },
  add: { ...copyOrAddFlags, 'keep-git-dir': 'bool', checksum: 'string', unpack: 'bool' },
  healthcheck: { interval: 'string', timeout: 'string', 'start-period': 'string', 'start-interval': 'string', retries: 'string' },
} satisfies Record<string, FlagSpec>;

class Converter {
  ok = true;

  constructor(
    readonly node: Node,
    readonly diagnostics: Diagnostic[],
  ) {}

  fail(code: DiagnosticCode, message: string, range: Range = this.node.range): undefined {
    this.diagnostics.push(diagnostic(code, message, range));
    this.ok = false;
    return undefined;
  }

  flags(spec: FlagSpec): FlagSet {
    const set = FlagSet.read(this.node, spec, this.diagnostics);
    if (!set.ok) this.ok = false;
    return set;
  }

  /** Flags BuildKit never reads for this instruction: accepted, but said to be ignored. */
  ignoredFlags(): void {
    FlagSet.read(this.node, flagSpecs.none, this.diagnostics, 'warning');
  }

  get name(): string {
    return this.node.keyword.toUpperCase();
  }

  exactlyOne(): Word | undefined {
    const { args } = this.node;
    if (args.length !== 1) return this.fail('argument-count', `${this.name} requires exactly one argument`);
    return args[0];
  }

  atLeastOne(): boolean {
    if (this.node.args.length > 0) return true;
    this.fail('argument-count', `${this.name} requires at least one argument`);
    return false;
  }

  commandLine(args: readonly Word[] = this.node.args): CommandLine {
    const files: InlineFile[] = this.node.heredocs.map((h) => ({ name: h.name, data: h.content, chomp: h.chomp, expand: h.expand, heredoc: h }));
    const json = this.node.json;
    let words: readonly Word[] = args;
    if (!json && args.length > 1) words = [{ value: args.map((a) => a.value).join(' '), range: { start: args[0].range.start, end: args[args.length - 1].range.end } }];
    return { args: words, prependShell: !json, files };
  }
}

/** Converts one node. Unknown keywords are reported with a suggestion when one is close. */
export function toInstruction(node: Node, diagnostics: Diagnostic[]): Instruction | undefined {
  if (node.invalid) return undefined;
  const c = new Converter(node, diagnostics);
  const result = convert(c);
  return c.ok ? result : undefined;
}

function convert(c: Converter): Instruction | undefined {
  const node = c.node;
  switch (node.instruction) {
    case 'from':
      return from(c);
    case 'run':
      return run(c);
    case 'cmd':
    case 'entrypoint':
      c.flags(flagSpecs.none);
      return { kind: node.instruction, node, command: c.commandLine() };
    case 'shell':
      c.flags(flagSpecs.none);
      if (node.args.length === 0) return c.fail('argument-count', 'SHELL requires at least one argument');
      if (!node.json) return c.fail('shell-not-json', `SHELL requires the arguments to be in JSON form: SHELL ["executable", "parameters"]`);
      return { kind: 'shell', node, shell: node.args };
    case 'copy':
    case 'add':
      return copyOrAdd(c);
    case 'env':
    case 'label': {
      c.flags(flagSpecs.none);
      const pairs = keyValues(c);
      return pairs && { kind: node.instruction, node, pairs };
    }
    case 'arg':
      return arg(c);
    case 'expose':
      if (!c.atLeastOne()) return undefined;
      c.flags(flagSpecs.none);
      return { kind: 'expose', node, ports: node.args };
    case 'volume':
      return volume(c);
    case 'workdir':
    case 'user':
    case 'maintainer':
      return oneWord(c, node.instruction);
    case 'stopsignal': {
      c.ignoredFlags();
      const signal = c.exactlyOne();
      return signal && { kind: 'stopsignal', node, signal };
    }
    case 'healthcheck':
      return healthcheck(c);
    case 'onbuild':
      return onbuild(c);
    default:
      return c.fail('unknown-instruction', unknownInstructionMessage(node.keyword), node.keywordRange);
  }
}

const instructionNames = [
  'ADD', 'ARG', 'CMD', 'COPY', 'ENTRYPOINT', 'ENV', 'EXPOSE', 'FROM', 'HEALTHCHECK', 'LABEL', 'MAINTAINER', 'ONBUILD', 'RUN',
  'SHELL', 'STOPSIGNAL', 'USER', 'VOLUME', 'WORKDIR',
];

function unknownInstructionMessage(keyword: string): string {
  const upper = keyword.toUpperCase();
  const close = instructionNames.find((name) => editDistance(name, upper) <= Math.max(1, Math.floor(name.length / 4)));
  return `unknown instruction: ${keyword}${close ? ` (did you mean ${close}?)` : ''}`;
}

/** Levenshtein distance, for "did you mean" suggestions (the linter's too). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length];
}

function from(c: Converter): Instruction | undefined {
  const { node } = c;
  const args = node.args;
  let name: Word | undefined;
  if (args.length === 3 && args[1].value.toLowerCase() === 'as') {
    const lower = args[2].value.toLowerCase();
    if (!validStageName.test(lower)) {
      c.fail('invalid-stage-name', `invalid name for build stage: "${args[2].value}", name can't start with a number or contain symbols`, args[2].range);
    }
    name = { value: lower, range: args[2].range };
  } else if (args.length !== 1) {
    return c.fail('argument-count', 'FROM requires either one or three arguments');
  }
  const flags = c.flags(flagSpecs.from);
  return { kind: 'from', node, image: args[0], name, platform: flags.string('platform') };
}

function run(c: Converter): Instruction | undefined {
  const flags = c.flags(flagSpecs.run);
  const mounts: RunMount[] = [];
  for (const flag of flags.list('mount')) {
    const m = parseMount(flag.value ?? '');
    if ('error' in m) c.fail('invalid-mount', m.error, flag.valueRange);
    else mounts.push({ flag, mount: m.value });
  }
  const network = parseNetwork(flags.string('network')?.value ?? 'default');
  if ('error' in network) c.fail('invalid-network', network.error, flags.string('network')?.valueRange);
  const security = parseSecurity(flags.string('security')?.value ?? 'sandbox');
  if ('error' in security) c.fail('invalid-security', security.error, flags.string('security')?.valueRange);
  const devices: Device[] = [];
  for (const flag of flags.list('device')) {
    const d = parseDevice(flag.value ?? '');
    if ('error' in d) c.fail('invalid-device', d.error, flag.valueRange);
    else devices.push(d.value);
  }
  if ('error' in network || 'error' in security) return undefined;
  return { kind: 'run', node: c.node, command: c.commandLine(), mounts, network: network.value, security: security.value, devices };
}

function copyOrAdd(c: Converter): Instruction | undefined {
  const { node } = c;
  const kind = node.instruction as 'copy' | 'add';
  if (node.args.length < 2) {
    return c.fail('argument-count', `${c.name} requires at least two arguments, but only one was provided. Destination could not be determined`);
  }
  const flags = c.flags(flagSpecs[kind]);
  const destination = node.args[node.args.length - 1];
  if (isHeredocMarker(destination.value)) return c.fail('heredoc-as-destination', `${c.name} cannot accept a heredoc as a destination`, destination.range);
  const sources: Word[] = [];
  const contents: InlineFile[] = [];
  for (let k = 0; k < node.args.length - 1; k++) {
    const src = node.args[k];
    const marker = node.json ? undefined : parseHeredocMarker(src.value);
    const heredoc = marker && !('error' in marker) ? heredocNamed(node.heredocs, marker.name) : undefined;
    if (!marker || 'error' in marker || !heredoc) {
      sources.push(src);
      continue;
    }
    const data = marker.chomp ? chompHeredocContent(heredoc.content) : heredoc.content;
    contents.push({ name: marker.name, data, chomp: marker.chomp, expand: marker.expand, heredoc });
  }
  // Written out rather than spread from a shared part: spreading costs, on every COPY and ADD.
  const chown = flags.string('chown');
  const chmod = flags.string('chmod');
  const link = flags.bool('link') ?? false;
  const exclude = flags.list('exclude');
  if (kind === 'copy') {
    return { kind, node, sources, contents, destination, chown, chmod, link, exclude, from: flags.string('from'), parents: flags.bool('parents') ?? false };
  }
  const checksum = flags.string('checksum');
  return { kind, node, sources, contents, destination, chown, chmod, link, exclude, checksum, keepGitDir: flags.bool('keep-git-dir'), unpack: flags.bool('unpack') };
}

/** The heredoc a source marker names: of two with one name, the later one. */
function heredocNamed(heredocs: readonly Heredoc[], name: string): Heredoc | undefined {
  for (let k = heredocs.length - 1; k >= 0; k--) if (heredocs[k].name === name) return heredocs[k];
  return undefined;
}

function keyValues(c: Converter): KeyValue[] | undefined {
  const { args } = c.node;
  if (args.length === 0) return c.fail('argument-count', `${c.name} requires at least one argument`);
  const pairs: KeyValue[] = [];
  for (let i = 0; i + 2 < args.length; i += 3) {
    if (args[i].value === '') return c.fail('blank-name', `${c.name} names can not be blank`, args[i].range);
    pairs.push({ key: args[i], value: args[i + 1], legacy: args[i + 2].value === '' });
  }
  return pairs;
}

function arg(c: Converter): Instruction | undefined {
  const { node } = c;
  if (!c.atLeastOne()) return undefined;
  c.flags(flagSpecs.none);
  const args = [];
  for (const word of node.args) {
    const eq = word.value.indexOf('=');
    if (eq === 0) return c.fail('blank-name', 'ARG names can not be blank', word.range);
    if (eq < 0) args.push({ name: word, value: undefined });
    else args.push({ name: subWord(word, 0, eq), value: subWord(word, eq + 1, word.value.length) });
  }
  return { kind: 'arg', node, args };
}

function volume(c: Converter): Instruction | undefined {
  if (!c.atLeastOne()) return undefined;
  c.flags(flagSpecs.none);
  const paths: Word[] = [];
  for (const word of c.node.args) {
    const value = word.value.trim();
    if (value === '') return c.fail('empty-volume', 'VOLUME specified can not be an empty string', word.range);
    paths.push({ value, range: word.range });
  }
  return { kind: 'volume', node: c.node, paths };
}

function oneWord(c: Converter, kind: 'workdir' | 'user' | 'maintainer'): Instruction | undefined {
  const value = c.exactlyOne();
  c.flags(flagSpecs.none);
  if (!value) return undefined;
  const node = c.node;
  if (kind === 'workdir') return { kind, node, path: value };
  if (kind === 'user') return { kind, node, user: value };
  return { kind, node, maintainer: value };
}

function healthcheck(c: Converter): HealthcheckInstruction | undefined {
  const { node } = c;
  if (!c.atLeastOne()) return undefined;
  const type = node.args[0].value.toUpperCase();
  const rest = node.args.slice(1);
  const none = { interval: 0, timeout: 0, startPeriod: 0, startInterval: 0, retries: 0 };
  if (type === 'NONE') {
    c.ignoredFlags();
    if (rest.length !== 0) return c.fail('invalid-healthcheck', 'HEALTHCHECK NONE takes no arguments');
    return { kind: 'healthcheck', node, test: ['NONE'], command: undefined, ...none };
  }
  const flags = c.flags(flagSpecs.healthcheck);
  if (type !== 'CMD') return c.fail('invalid-healthcheck', `Unknown type "${node.args[0].value}" in HEALTHCHECK (try CMD)`, node.args[0].range);
  const command = c.commandLine(rest);
  if (command.args.length === 0) return c.fail('invalid-healthcheck', 'Missing command after HEALTHCHECK CMD');
  const durations = { interval: 0, timeout: 0, startPeriod: 0, startInterval: 0 };
  for (const [flagName, key] of [
    ['interval', 'interval'],
    ['timeout', 'timeout'],
    ['start-period', 'startPeriod'],
    ['start-interval', 'startInterval'],
  ] as const) {
    const flag = flags.string(flagName);
    if (!flag || flag.value === '') continue;
    const ns = parseGoDuration(flag.value ?? '');
    if (ns === undefined) c.fail('invalid-healthcheck', `time: invalid duration "${flag.value}"`, flag.valueRange);
    else if (ns !== 0 && ns < 1e6) c.fail('invalid-healthcheck', `Interval "${flagName}" cannot be less than 1ms`, flag.valueRange);
    else durations[key] = ns;
  }
  let retries = 0;
  const retriesFlag = flags.string('retries');
  if (retriesFlag && retriesFlag.value !== '') {
    const v = retriesFlag.value ?? '';
    const n = /^[+-]?[0-9]+$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n > 2 ** 31 - 1 || n < -(2 ** 31)) c.fail('invalid-healthcheck', `invalid --retries value "${v}"`, retriesFlag.valueRange);
    else if (n < 0) c.fail('invalid-healthcheck', `--retries cannot be negative (${n})`, retriesFlag.valueRange);
    else retries = n;
  }
  const test = [node.json ? 'CMD' : 'CMD-SHELL', ...command.args.map((a) => a.value)];
  return { kind: 'healthcheck', node, test, command, ...durations, retries };
}

const durationUnits: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go's time.ParseDuration, in nanoseconds; undefined when invalid. */
export function parseGoDuration(text: string): number | undefined {
  let s = text;
  let sign = 1;
  if (s.startsWith('-') || s.startsWith('+')) {
    sign = s[0] === '-' ? -1 : 1;
    s = s.slice(1);
  }
  if (s === '0') return 0;
  if (s === '') return undefined;
  let total = 0;
  const part = /^([0-9]*(?:\.[0-9]*)?)(ns|us|µs|μs|ms|s|m|h)/;
  while (s !== '') {
    const m = part.exec(s);
    if (!m || m[1] === '' || m[1] === '.') return undefined;
    total += Number(m[1]) * durationUnits[m[2]];
    s = s.slice(m[0].length);
  }
  return total > 2 ** 63 ? undefined : sign * total;
}

function onbuild(c: Converter): Instruction | undefined {
  const { node } = c;
  const trigger = node.trigger;
  if (!trigger) return c.fail('argument-count', 'ONBUILD requires at least one argument');
  c.flags(flagSpecs.none);
  const name = trigger.keyword.toUpperCase();
  if (name === 'ONBUILD') return c.fail('invalid-onbuild', 'Chaining ONBUILD via `ONBUILD ONBUILD` isn\'t allowed', trigger.keywordRange);
  if (name === 'MAINTAINER' || name === 'FROM') return c.fail('invalid-onbuild', `${name} isn't allowed as an ONBUILD trigger`, trigger.keywordRange);
  // The trigger runs when an image is built FROM this one; BuildKit judges it only then,
  // so its problems are warnings here.
  const triggerDiagnostics: Diagnostic[] = [];
  const typed = toInstruction({ ...trigger, heredocs: node.heredocs }, triggerDiagnostics);
  for (const d of triggerDiagnostics) {
    c.diagnostics.push({ ...d, severity: 'warning', message: `ONBUILD trigger: ${d.message} (fails in builds FROM this image)` });
  }
  let expression = node.original.replace(/^\s*ONBUILD\s*/i, '');
  for (const h of node.heredocs) expression += `\n${h.content}${h.name}`;
  return { kind: 'onbuild', node, trigger: typed, expression };
}
