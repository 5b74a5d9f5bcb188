/**
 * The subset of Go's text/template that `--format` strings use in practice with docker:
 *
 *   {{.ID}}  {{.Config.Image}}        fields, nested
 *   {{json .}}  {{json .Labels}}      JSON of any value
 *   {{index .Labels "com.x"}}         map lookup
 *   {{upper .Names}} {{lower …}} {{title …}} {{len …}} {{join .Cmd " "}}
 *   {{truncate .ID 5}}  {{pad .Name 1 1}}
 *   {{.Names | upper}}                pipes (the value becomes the last argument)
 *   {{- … -}}                         whitespace trimming
 *   `\t` `\n` written as two characters become a tab and a newline, as with docker
 *
 * `range`, `if`, variables and the rest are refused with an error that says so, rather
 * than printing something half right. A missing field renders as `<no value>`, as Go does.
 */
import { UsageError } from './args';

type Value = unknown;
type Node = { kind: 'text'; text: string } | { kind: 'action'; pipeline: Command[]; source: string };
type Command = Arg[];
type Arg = { kind: 'field'; path: string[] } | { kind: 'string'; value: string } | { kind: 'number'; value: number } | { kind: 'ident'; name: string };

export interface Template {
  /** True when the format began with `table`: cells are tab-separated and a header row comes first. */
  table: boolean;
  render(data: Value): string;
}

const FUNCTIONS: Record<string, (...args: Value[]) => Value> = {
  json: (v) => JSON.stringify(v ?? null),
  upper: (v) => toText(v).toUpperCase(),
  lower: (v) => toText(v).toLowerCase(),
  title: (v) => toText(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  len: (v) => (Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
  index: (v, ...keys) => keys.reduce<Value>((acc, k) => (acc && typeof acc === 'object' ? (acc as Record<string, Value>)[String(k)] : undefined), v),
  join: (v, sep) => (Array.isArray(v) ? v.map(toText).join(toText(sep)) : toText(v)),
  split: (v, sep) => toText(v).split(toText(sep)),
  truncate: (v, n) => [...toText(v)].slice(0, Number(n)).join(''),
  pad: (v, left, right) => ' '.repeat(Number(left)) + toText(v) + ' '.repeat(Number(right)),
  println: (...vs) => `${vs.map(toText).join(' ')}\n`,
  print: (...vs) => vs.map(toText).join(''),
};

export function parseTemplate(format: string): Template {
  let body = format.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  let table = false;
  if (/^table(\s|$)/.test(body)) {
    table = true;
    body = body.replace(/^table\s*/, '');
  }
  const nodes = parseNodes(body);
  return { table, render: (data) => nodes.map((n) => (n.kind === 'text' ? n.text : toText(evalPipeline(n.pipeline, data)))).join('') };
}

function parseNodes(body: string): Node[] {
  const nodes: Node[] = [];
  let pos = 0;
  while (pos < body.length) {
    const open = body.indexOf('{{', pos);
    if (open < 0) {
      nodes.push({ kind: 'text', text: body.slice(pos) });
      break;
    }
    let text = body.slice(pos, open);
    const close = body.indexOf('}}', open + 2);
    if (close < 0) throw new UsageError(`template: unclosed action in '${body}'`);
    let inner = body.slice(open + 2, close);
    if (inner.startsWith('-') && /^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    let trimAfter = false;
    if (/\s-$/.test(inner)) {
      trimAfter = true;
      inner = inner.slice(0, -1);
    }
    if (text) nodes.push({ kind: 'text', text });
    nodes.push({ kind: 'action', pipeline: parsePipeline(inner.trim()), source: inner.trim() });
    pos = close + 2;
    if (trimAfter) while (pos < body.length && /\s/.test(body[pos])) pos++;
  }
  return nodes;
}

function parsePipeline(source: string): Command[] {
  const tokens = tokenize(source);
  const commands: Command[] = [[]];
  for (const token of tokens) {
    if (token === '|') commands.push([]);
    else commands[commands.length - 1].push(parseArg(token, source));
  }
  if (commands.some((c) => c.length === 0)) throw new UsageError(`template: empty command in '{{${source}}}'`);
  return commands;
}

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  const re = /\s*("(?:[^"\\]|\\.)*"|`[^`]*`|\||[^\s|]+)/gy;
  let m: RegExpExecArray | null;
  while ((m = re.exec(source)) && m[1] !== undefined) tokens.push(m[1]);
  return tokens;
}

function parseArg(token: string, source: string): Arg {
  if (token.startsWith('"')) return { kind: 'string', value: JSON.parse(token) as string };
  if (token.startsWith('`')) return { kind: 'string', value: token.slice(1, -1) };
  if (/^-?\d+(\.\d+)?$/.test(token)) return { kind: 'number', value: Number(token) };
  if (token === '.') return { kind: 'field', path: [] };
  if (token.startsWith('.')) return { kind: 'field', path: token.slice(1).split('.') };
  if (token in FUNCTIONS) return { kind: 'ident', name: token };
  throw new UsageError(`template: '${token}' is not supported in '{{${source}}}' (berth supports fields like .ID, and json, index, upper, lower, title, len, join, split, truncate, pad)`);
}

function evalPipeline(pipeline: Command[], data: Value): Value {
  let previous: Value;
  pipeline.forEach((command, i) => {
    const [head, ...rest] = command;
    const args = rest.map((a) => evalArg(a, data));
    if (i > 0) args.push(previous);
    if (head.kind === 'ident') previous = FUNCTIONS[head.name](...args);
    else if (args.length > 0) throw new UsageError('template: only functions take arguments');
    else previous = evalArg(head, data);
  });
  return previous;
}

function evalArg(arg: Arg, data: Value): Value {
  switch (arg.kind) {
    case 'string':
    case 'number':
      return arg.value;
    case 'ident':
      return FUNCTIONS[arg.name]();
    case 'field':
      return arg.path.reduce<Value>((acc, key) => (acc && typeof acc === 'object' ? (acc as Record<string, Value>)[key] : undefined), data);
  }
}

function toText(value: Value): string {
  if (value === undefined) return '<no value>';
  if (value === null) return '<nil>';
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(toText).join(' ')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, Value>).sort(([a], [b]) => a.localeCompare(b));
    return `map[${entries.map(([k, v]) => `${k}:${toText(v)}`).join(' ')}]`;
  }
  return String(value);
}
