/**
 * `berth lint [FILE]`: the editor's Dockerfile diagnostics for CI. Text for people (the
 * line with a caret, as BuildKit prints its checks), `--format json` for scripts and
 * `--format sarif` for code-scanning services. Exits 1 when a finding reaches
 * `--severity-threshold` (error by default), so a pipeline can choose what fails it.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { list, str, UsageError } from '../args';
import { Command, imageApi, line } from '../command';
import { allRules, atLeast, lint, ruleByCode, type LintDiagnostic, type LintSeverity } from '../../build/lint/lint';
import { directoryContext, storeImages } from '../../build/lint/node-port';
import type { LintPort } from '../../build/lint/port';

const severities: readonly LintSeverity[] = ['error', 'warning', 'information', 'hint'];

/** `info` is accepted for `information`, as hadolint and SARIF users write it. */
function severity(value: string, what: string): LintSeverity | 'off' {
  const v = value.toLowerCase() === 'info' ? 'information' : value.toLowerCase();
  if (v === 'off' || (severities as string[]).includes(v)) return v as LintSeverity | 'off';
  throw new UsageError(`${what}: ${JSON.stringify(value)} is not one of error, warning, info, hint, off`);
}

function keyValues(values: string[], flag: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0) throw new UsageError(`--${flag} ${JSON.stringify(v)}: expected NAME=VALUE`);
    out[v.slice(0, eq)] = v.slice(eq + 1);
  }
  return out;
}

/** A finding as BuildKit prints a check: the place, the rule, the line and a caret under the span. */
function renderText(file: string, lines: readonly string[], d: LintDiagnostic): string {
  const { start, end } = d.range;
  const source = lines[start.line] ?? '';
  const width = end.line === start.line ? Math.max(1, end.character - start.character) : Math.max(1, source.length - start.character);
  const gutter = String(start.line + 1);
  const caret = `${' '.repeat(gutter.length)} | ${' '.repeat(start.character)}${'^'.repeat(width)}`;
  const url = d.url ? `\n  ${d.url}` : '';
  return `${file}:${start.line + 1}:${start.character + 1}: ${d.severity} ${d.code}: ${d.message}\n${gutter} | ${source}\n${caret}${url}\n`;
}

const sarifLevel: Record<LintSeverity, string> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** SARIF 2.1.0: one run, the rules that fired in its driver, 1-based regions in UTF-16 columns. */
export function toSarif(file: string, diagnostics: readonly LintDiagnostic[]): object {
  const fired = [...new Set(diagnostics.map((d) => d.code))];
  const rules = fired.map((code) => {
    const r = ruleByCode(code);
    return {
      id: code,
      shortDescription: { text: r?.description ?? code },
      fullDescription: { text: r?.explanation ?? code },
      ...(r?.url && { helpUri: r.url }),
      defaultConfiguration: { level: sarifLevel[r?.severity ?? 'warning'] },
    };
  });
  const results = diagnostics.map((d) => ({
    ruleId: d.code,
    ruleIndex: fired.indexOf(d.code),
    level: sarifLevel[d.severity],
    message: { text: d.message },
    locations: [
      {
        physicalLocation: {
          artifactLocation: { uri: file.split(path.sep).join('/') },
          region: { startLine: d.range.start.line + 1, startColumn: d.range.start.character + 1, endLine: d.range.end.line + 1, endColumn: d.range.end.character + 1 },
        },
      },
    ],
  }));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'berth lint', rules } }, columnKind: 'utf16CodeUnits', results }],
  };
}

function explain(code: string): string {
  const r = ruleByCode(code);
  if (!r) throw new UsageError(`No rule ${JSON.stringify(code)}. 'berth lint --explain list' lists them.`);
  return `${r.code} (${r.origin}, ${r.severity}${r.hadolint ? `, hadolint ${r.hadolint}` : ''})\n${r.description}\n\n${r.explanation}\n${r.url ? `\n${r.url}\n` : ''}`;
}

/** The store's images, when a store can be opened; linting never fails for want of one. */
async function imagesPort(open: () => Promise<LintPort['images'] | undefined>): Promise<LintPort['images'] | undefined> {
  try {
    return await open();
  } catch {
    return undefined;
  }
}

export const lintCommand: Command = {
  usage: '[OPTIONS] [FILE|-]',
  summary: 'Check a Dockerfile: syntax, BuildKit checks, best practices, the local store and build context',
  flags: [
    { name: 'format', kind: 'string', valueName: 'string', description: "Output format: 'text' (default), 'json' or 'sarif'" },
    { name: 'severity-threshold', kind: 'string', valueName: 'string', description: "Exit 1 when a finding is at least this severe: error (default), warning, info, hint, or off (always 0)" },
    { name: 'rule', kind: 'list', valueName: 'CODE=SEVERITY', description: 'Change a rule\'s severity (error, warning, info, hint) or turn it off' },
    { name: 'build-arg', kind: 'list', valueName: 'NAME=VALUE', description: 'Build-time variables, as the build would get them' },
    { name: 'context', kind: 'string', valueName: 'DIR', description: "The build context for the COPY checks (default: the Dockerfile's folder)" },
    { name: 'platform', kind: 'string', valueName: 'OS/ARCH', description: 'Target platform (default: this host)' },
    { name: 'explain', kind: 'string', valueName: 'CODE', description: "Print what a rule checks and why ('list' lists every rule), then exit" },
  ],
  maxArgs: 1,
  async run(ctx, args) {
    const explained = str(args, 'explain');
    if (explained !== undefined) {
      ctx.stdout.write(explained === 'list' ? allRules.map((r) => `${r.code.padEnd(32)} ${r.severity.padEnd(12)} ${r.description}\n`).join('') : explain(explained));
      return 0;
    }
    const format = str(args, 'format') ?? 'text';
    if (!['text', 'json', 'sarif'].includes(format)) throw new UsageError(`--format ${JSON.stringify(format)}: expected text, json or sarif`);
    const threshold = severity(str(args, 'severity-threshold') ?? 'error', '--severity-threshold');
    const rules: Record<string, LintSeverity | 'off'> = {};
    for (const [code, value] of Object.entries(keyValues(list(args, 'rule'), 'rule'))) {
      const rule = ruleByCode(code);
      if (!rule) throw new UsageError(`--rule ${code}: no such rule. 'berth lint --explain list' lists them.`);
      rules[rule.code] = severity(value, `--rule ${code}`);
    }

    const file = args.positionals[0] ?? 'Dockerfile';
    const stdin = file === '-';
    const text = stdin ? await readAll(ctx.stdin) : await fs.readFile(file, 'utf8');
    const contextDir = str(args, 'context') ?? (stdin ? undefined : path.dirname(path.resolve(file)));
    const images = await imagesPort(async () => {
      const engine = await ctx.engine();
      return storeImages({ inspectImage: imageApi(engine, 'inspectImage'), listImages: imageApi(engine, 'listImages') });
    });
    const port: LintPort = { images, ...(contextDir !== undefined && { context: directoryContext(contextDir, stdin ? undefined : path.resolve(file)) }) };
    const { diagnostics } = await lint(text, { port, severities: rules, buildArgs: keyValues(list(args, 'build-arg'), 'build-arg'), platform: str(args, 'platform') });

    const shown = stdin ? 'Dockerfile' : file;
    if (format === 'json') line(ctx.stdout, JSON.stringify(diagnostics.map((d) => ({ file: shown, ...d })), null, 2));
    else if (format === 'sarif') line(ctx.stdout, JSON.stringify(toSarif(shown, diagnostics), null, 2));
    else {
      const lines = text.split(/\r?\n/);
      for (const d of diagnostics) ctx.stdout.write(renderText(shown, lines, d));
      const count = (s: LintSeverity) => diagnostics.filter((d) => d.severity === s).length;
      const parts = severities.filter((s) => count(s) > 0).map((s) => `${count(s)} ${s}`);
      line(ctx.stderr, diagnostics.length === 0 ? `${shown}: no problems` : `${shown}: ${parts.join(', ')}`);
    }
    return threshold !== 'off' && diagnostics.some((d) => atLeast(d.severity, threshold)) ? 1 : 0;
  },
};

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
