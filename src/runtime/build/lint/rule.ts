/**
 * A lint rule is data plus a check, as BuildKit's linter keeps them: the tables in
 * rules-*.ts list them, lint.ts runs them. A check reports findings with `report`; it
 * never throws for a Dockerfile (a port that fails is caught by the engine).
 */

import type { DockerfileModel, Range } from '../dockerfile/dockerfile';
import type { LintPort, LocalImage } from './port';

export type LintSeverity = 'error' | 'warning' | 'information' | 'hint';

/** buildkit: a `docker build --check` rule; berth: best practice or runtime-aware; syntax: the parser's. */
export type RuleOrigin = 'buildkit' | 'berth' | 'syntax';

export interface TextEdit {
  readonly range: Range;
  readonly newText: string;
}

export interface Fix {
  readonly title: string;
  readonly edits: readonly TextEdit[];
}

export interface RuleContext {
  readonly text: string;
  /** The physical lines, without terminators (ranges index into these). */
  readonly lines: readonly string[];
  readonly model: DockerfileModel;
  /** What the store knows of each external base image, by the base as expanded. */
  readonly images: ReadonlyMap<string, LocalImage | undefined>;
  readonly port: LintPort;
  /** The target platform. */
  readonly platform: string;
}

export type Report = (range: Range, message: string, fixes?: readonly Fix[]) => void;

export interface LintRule {
  /** Stable: BuildKit's name for its checks, PascalCase for Berth's, the parser's code for syntax. */
  readonly code: string;
  readonly origin: RuleOrigin;
  readonly severity: LintSeverity;
  /** One line, for tables and the SARIF rule list. */
  readonly description: string;
  /** Why it matters and what to do instead: the editor's "explain" and `berth lint --explain`. */
  readonly explanation: string;
  readonly url?: string;
  /** The hadolint rule this one corresponds to, for people coming from hadolint. */
  readonly hadolint?: string;
  check(ctx: RuleContext, report: Report): void | Promise<void>;
}
