/**
 * The catalog: every rule the linter runs, and the parser's diagnostic codes as rules of
 * origin `syntax` so they share severities, ignores and documentation with the rest.
 */

import { diagnosticCodes, type DiagnosticCode } from '../dockerfile/dockerfile';
import type { LintRule } from './rule';
import { buildkitRules } from './rules-buildkit';
import { practiceRules } from './rules-practice';
import { runtimeRules } from './rules-runtime';

/** Parser codes that BuildKit turned into checks: reported under the check's name instead. */
const becameChecks: ReadonlySet<DiagnosticCode> = new Set(['empty-continuation-line', 'duplicate-stage-name']);

const syntaxRules: LintRule[] = (Object.keys(diagnosticCodes) as DiagnosticCode[])
  .filter((code) => !becameChecks.has(code))
  .map((code) => {
    const info: { severity: LintRule['severity']; description: string; url?: string } = diagnosticCodes[code];
    return {
      code,
      origin: 'syntax',
      severity: info.severity,
      description: info.description,
      explanation: info.severity === 'error' ? `${info.description} BuildKit refuses to build a file with this error.` : info.description,
      ...(info.url && { url: info.url }),
      check(ctx, report) {
        for (const d of ctx.model.diagnostics) if (d.code === code) report(d.range, d.message);
      },
    };
  });

export const allRules: readonly LintRule[] = [...syntaxRules, ...buildkitRules, ...practiceRules, ...runtimeRules];

const byCode = new Map(allRules.map((r) => [r.code.toLowerCase(), r]));

/** A rule by its code, case-insensitively (as `# check=skip=` reads names). */
export function ruleByCode(code: string): LintRule | undefined {
  return byCode.get(code.toLowerCase());
}
