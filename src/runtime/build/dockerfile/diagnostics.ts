/**
 * Diagnostics: everything the parser and the typed conversion have to say about a
 * Dockerfile. Codes are stable (the editor and tests match on them); messages are for
 * people. The table is data, in the spirit of BuildKit's lint rules, so the editor can list
 * and document codes without running the parser.
 */

import { BerthError } from '../../errors';
import type { Range } from './source';

export type Severity = 'error' | 'warning' | 'information';

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly message: string;
  readonly severity: Severity;
  readonly range: Range;
  /** Documentation for the code, when there is a page for it. */
  readonly url?: string;
}

interface CodeInfo {
  readonly severity: Severity;
  readonly description: string;
  readonly url?: string;
}

export const diagnosticCodes = {
  // Parser (syntax) — BuildKit's parser rejects the whole file for the errors here.
  'no-instructions': { severity: 'error', description: 'The file has no instructions.' },
  'directive-duplicate': { severity: 'error', description: 'A parser directive appears more than once.' },
  'directive-invalid-escape': { severity: 'error', description: 'The escape directive is neither \\ nor `.' },
  'directive-invalid-check': { severity: 'warning', description: 'The check directive cannot be read.' },
  'empty-continuation-line': {
    severity: 'warning',
    description: 'An empty line inside a continued instruction (will become an error in a future BuildKit).',
    url: 'https://docs.docker.com/go/dockerfile/rule/no-empty-continuation/',
  },
  'json-not-string-array': { severity: 'error', description: 'A JSON array argument holds something other than strings.' },
  'kv-missing-value': { severity: 'error', description: 'ENV or LABEL in the legacy form has no value.' },
  'kv-missing-equals': { severity: 'error', description: 'ENV or LABEL mixes name=value pairs with a word without =.' },
  'heredoc-unterminated': { severity: 'error', description: 'A heredoc has no terminator line.' },
  'heredoc-invalid': { severity: 'error', description: 'A heredoc marker cannot be read.' },
  // Typed conversion (instruction semantics).
  'unknown-instruction': { severity: 'error', description: 'The instruction keyword is not a Dockerfile instruction.' },
  'unknown-flag': { severity: 'error', description: 'The instruction does not take this flag.' },
  'duplicate-flag': { severity: 'error', description: 'A flag that takes one value is given twice.' },
  'flag-syntax': { severity: 'error', description: 'A flag is malformed: no value, a bad boolean, or not --name.' },
  'argument-count': { severity: 'error', description: 'The instruction has too few or too many arguments.' },
  'instruction-before-from': { severity: 'error', description: 'An instruction other than ARG comes before the first FROM.' },
  'invalid-stage-name': { severity: 'error', description: 'A stage name must start with a letter and contain only a-z, 0-9, -, _ and .' },
  'duplicate-stage-name': { severity: 'error', description: 'Two stages have the same name.' },
  'invalid-onbuild': { severity: 'error', description: 'ONBUILD cannot trigger ONBUILD, FROM or MAINTAINER.' },
  'invalid-healthcheck': { severity: 'error', description: 'HEALTHCHECK has a bad type, command or option.' },
  'invalid-mount': { severity: 'error', description: 'A RUN --mount value is invalid.' },
  'invalid-network': { severity: 'error', description: 'RUN --network must be default, none or host.' },
  'invalid-security': { severity: 'error', description: 'RUN --security must be sandbox or insecure.' },
  'invalid-device': { severity: 'error', description: 'A RUN --device value is invalid.' },
  'shell-not-json': { severity: 'error', description: 'SHELL needs the JSON array form.' },
  'empty-volume': { severity: 'error', description: 'VOLUME has an empty path.' },
  'heredoc-as-destination': { severity: 'error', description: 'COPY and ADD cannot take a heredoc as the destination.' },
  'blank-name': { severity: 'error', description: 'An ENV, LABEL or ARG name is blank.' },
  // Stage model (variables and stages).
  'variable-expansion': {
    severity: 'error',
    description: 'A variable reference cannot be expanded: bad ${…} syntax, ${VAR:?} on an unset variable, or a variable where none is allowed.',
  },
} as const satisfies Record<string, CodeInfo>;

export type DiagnosticCode = keyof typeof diagnosticCodes;

export function diagnostic(code: DiagnosticCode, message: string, range: Range, severity?: Severity): Diagnostic {
  const info: CodeInfo = diagnosticCodes[code];
  const d: Diagnostic = { code, message, severity: severity ?? info.severity, range };
  return info.url ? { ...d, url: info.url } : d;
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** `file:line:col: message` with 1-based line and column, the CLI's and the logs' format. */
export function formatDiagnostic(d: Diagnostic, file = 'Dockerfile'): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}`;
}

/**
 * The builder's way to refuse a Dockerfile: one invalid-argument BerthError naming the
 * first error (and how many more there are); `cause` keeps every diagnostic.
 */
export function dockerfileError(diagnostics: readonly Diagnostic[], file = 'Dockerfile'): BerthError {
  const errors = diagnostics.filter((d) => d.severity === 'error');
  const first = errors[0] ?? diagnostics[0];
  const more = errors.length > 1 ? ` (and ${errors.length - 1} more error${errors.length > 2 ? 's' : ''})` : '';
  const text = first ? formatDiagnostic(first, file) : `${file}: invalid Dockerfile`;
  return new BerthError('invalid-argument', `${text}${more}`, { cause: diagnostics });
}
