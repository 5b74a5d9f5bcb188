/**
 * The Dockerfile linter: one engine for `berth lint` and the editor's live diagnostics.
 *
 * Vocabulary:
 * - A *rule* is data (rule.ts): a stable code, an origin, a default severity, a one-line
 *   description, an explanation, a documentation URL and a `check`. BuildKit's checks keep
 *   BuildKit's names (`StageNameCasing`…), so `# check=skip=…` and people's habits carry
 *   over; Berth's own best-practice and runtime rules use the same naming style.
 * - *Syntax* diagnostics are the parser's (codes like `unknown-instruction`); the lint
 *   reports them too, under their parser codes, except the two BuildKit turned into checks
 *   (empty continuation lines, duplicate stage names), which carry the check's name.
 * - The *port* (port.ts) is how rules ask the outside world — the local image store and
 *   the build context — so this folder stays plain Node and the tests can stand in fakes.
 *
 * Severity, in order: the rule's default; `# check=skip=A,B|all` drops BuildKit-style
 * checks, `# check=error=true` raises them to errors; the caller's `severities` (the
 * editor's `berth.dockerfile.rules`, the CLI's `--rule`) override or turn off any code;
 * last, `# berth-ignore: CODE` comments (ignore.ts) drop single findings.
 */

import { buildModel, parse, stageBases, type DockerfileModel, type Range, type StageBase } from '../dockerfile/dockerfile';
import { isImageReference } from './helpers';
import { ignoredCodes } from './ignore';
import type { LintPort, LocalImage } from './port';
import type { Fix, LintSeverity, RuleContext } from './rule';
import { allRules } from './rules';

export type { Fix, LintRule, LintSeverity, RuleOrigin, TextEdit } from './rule';
export { allRules, ruleByCode } from './rules';
export type { BuildContextPort, ImageStorePort, LintPort, LocalImage } from './port';

export interface LintDiagnostic {
  readonly code: string;
  readonly message: string;
  readonly severity: LintSeverity;
  readonly range: Range;
  readonly url?: string;
  /** Edits that resolve the finding, best first (the editor's quick fixes). */
  readonly fixes: readonly Fix[];
}

export interface LintOptions {
  readonly port?: LintPort;
  /** Per-code severity overrides; 'off' drops the code. */
  readonly severities?: Readonly<Record<string, LintSeverity | 'off'>>;
  /** `--build-arg` values, as the build would get them. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** The target platform (`linux/amd64`); the host's by default. */
  readonly platform?: string;
}

export interface LintResult {
  /** The parsed and modelled Dockerfile, for callers that show more than diagnostics. */
  readonly model: DockerfileModel;
  /** Sorted by position. */
  readonly diagnostics: readonly LintDiagnostic[];
}

const severityRank: Record<LintSeverity, number> = { error: 3, warning: 2, information: 1, hint: 0 };

/** Whether `severity` is at least `threshold`. */
export function atLeast(severity: LintSeverity, threshold: LintSeverity): boolean {
  return severityRank[severity] >= severityRank[threshold];
}

/** The platform this process would build for by default, as OCI names it. */
export function hostPlatform(): string {
  const arch: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64' };
  return `linux/${arch[process.arch] ?? process.arch}`;
}

/** BuildKit's automatic platform args for a target and a build platform. */
export function platformArgs(target: string, build: string): Record<string, string> {
  const [tos = '', tarch = '', tvariant = ''] = target.split('/');
  const [bos = '', barch = '', bvariant = ''] = build.split('/');
  return {
    TARGETPLATFORM: target,
    TARGETOS: tos,
    TARGETARCH: tarch,
    TARGETVARIANT: tvariant,
    BUILDPLATFORM: build,
    BUILDOS: bos,
    BUILDARCH: barch,
    BUILDVARIANT: bvariant,
  };
}

/** Lints a Dockerfile. Never throws for the text; a port that throws is treated as knowing nothing. */
export async function lint(text: string, options: LintOptions = {}): Promise<LintResult> {
  const syntax = parse(text);
  const host = hostPlatform();
  const modelOptions = { buildArgs: options.buildArgs, defaultArgs: platformArgs(options.platform ?? host, host) };
  // The base images' environments change what is defined in each stage, so the store is
  // asked first (the bases need only the FROM lines) and the file is modelled once.
  const images = await resolveImages(stageBases(syntax, modelOptions), options.port);
  const model = buildModel(syntax, { ...modelOptions, imageEnv: (ref) => images.get(ref)?.env });
  const ctx: RuleContext = { text, lines: physicalLines(text), model, images, port: options.port ?? {}, platform: options.platform ?? host };

  const found: LintDiagnostic[] = [];
  const check = model.syntax.check;
  const skipAll = check.skip.some((s) => s.toLowerCase() === 'all');
  const skipped = new Set(check.skip.map((s) => s.toLowerCase()));
  for (const rule of allRules) {
    if (rule.origin !== 'syntax' && (skipAll || skipped.has(rule.code.toLowerCase()))) continue;
    const override = options.severities?.[rule.code];
    if (override === 'off') continue;
    let severity = rule.severity;
    if (check.error && rule.origin === 'buildkit') severity = 'error';
    if (override) severity = override;
    try {
      await rule.check(ctx, (range, message, fixes = []) => {
        found.push({ code: rule.code, message, severity, range, ...(rule.url && { url: rule.url }), fixes });
      });
    } catch {
      // A rule's port call failed (store locked, context unreadable): it reports nothing rather than break the rest.
    }
  }
  const ignored = ignoredCodes(model.syntax);
  const diagnostics = found.filter((d) => !ignored(d.code, d.range.start.line));
  diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  return { model, diagnostics };
}

/** The lines `\n` or `\r\n` end: `text.split(/\r?\n/)` without a pattern match per line. */
function physicalLines(text: string): string[] {
  const lines = text.split('\n');
  for (let k = 0; k < lines.length; k++) if (lines[k].endsWith('\r')) lines[k] = lines[k].slice(0, -1);
  return lines;
}

/** What the store knows of every external base image (undefined: not present, or no store). */
async function resolveImages(stages: readonly StageBase[], port: LintPort | undefined): Promise<Map<string, LocalImage | undefined>> {
  const images = new Map<string, LocalImage | undefined>();
  const store = port?.images;
  if (!store) return images;
  for (const stage of stages) {
    if (stage.baseStage !== undefined || images.has(stage.base) || !isImageReference(stage.base)) continue;
    images.set(stage.base, await store.image(stage.base).catch(() => undefined));
  }
  return images;
}
