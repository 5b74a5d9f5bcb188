/**
 * Parser directives: `# syntax=…`, `# escape=…` and `# check=…` comments, recognised only
 * at the very top of the file (BuildKit's DirectiveParser). The first line that is not a
 * directive — an instruction, an empty line, an ordinary comment or an unknown
 * `# key=value` — ends the directive block for good, so `# escape=` after a comment is just
 * a comment. Each directive may appear once.
 */

import type { Directive } from './ast';
import { skipSpaces } from './chars';
import { diagnostic, type Diagnostic } from './diagnostics';
import { range } from './source';

const known = new Set(['syntax', 'escape', 'check']);
// Go's \s is [\t\n\f\r ]; Go's `.` is any character but \n.
const directiveRe = /^([a-zA-Z][a-zA-Z0-9]*)[\t\n\f\r ]*=[\t\n\f\r ]*([^\n]+?)[\t\n\f\r ]*$/d;

export class DirectiveParser {
  private done = false;
  private readonly seen = new Set<string>();

  /**
   * Looks at one line (text[start…] is the line after leading whitespace). Returns the
   * directive, or undefined; a repeated directive is reported and ignored.
   */
  parseLine(text: string, line: number, start: number, diagnostics: Diagnostic[]): Directive | undefined {
    if (this.done) return undefined;
    if (text.charCodeAt(start) !== 0x23 /* # */) {
      this.done = true;
      return undefined;
    }
    const bodyStart = skipSpaces(text, start + 1);
    const m = directiveRe.exec(text.slice(bodyStart));
    const indices = m?.indices;
    if (!m || !indices) {
      this.done = true;
      return undefined;
    }
    const name = m[1].toLowerCase();
    if (!known.has(name)) {
      this.done = true;
      return undefined;
    }
    const [ns, ne] = indices[1];
    const [vs, ve] = indices[2];
    const directive: Directive = {
      name,
      value: m[2],
      range: range(line, start, line, bodyStart + ve),
      nameRange: range(line, bodyStart + ns, line, bodyStart + ne),
      valueRange: range(line, bodyStart + vs, line, bodyStart + ve),
    };
    if (this.seen.has(name)) {
      diagnostics.push(diagnostic('directive-duplicate', `only one ${name} parser directive can be used`, directive.range));
      return undefined;
    }
    this.seen.add(name);
    return directive;
  }
}

export interface CheckOptions {
  /** Rule names to skip; ['all'] skips every rule. */
  readonly skip: readonly string[];
  /** Lint warnings fail the build. */
  readonly error: boolean;
  /** Experimental rules to enable. */
  readonly experimental: readonly string[];
}

/**
 * Reads `# check=skip=A,B;error=true;experimental=all`. Unknown keys and bad booleans are
 * reported on the directive's value.
 */
export function parseCheckDirective(directive: Directive, diagnostics: Diagnostic[]): CheckOptions {
  let skip: string[] = [];
  let error = false;
  let experimental: string[] = [];
  for (const part of directive.value.split(';')) {
    const trimmed = part.trim();
    if (trimmed === '') continue;
    const eq = trimmed.indexOf('=');
    const key = (eq < 0 ? trimmed : trimmed.slice(0, eq)).trim().toLowerCase();
    const value = eq < 0 ? '' : trimmed.slice(eq + 1).trim();
    const list = () =>
      value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    if (key === 'skip') skip = list();
    else if (key === 'experimental') experimental = list();
    else if (key === 'error') {
      const v = value.toLowerCase();
      if (v === 'true' || v === '1') error = true;
      else if (v === 'false' || v === '0') error = false;
      else diagnostics.push(diagnostic('directive-invalid-check', `invalid check error value ${JSON.stringify(value)}`, directive.valueRange));
    } else {
      diagnostics.push(diagnostic('directive-invalid-check', `invalid check option ${JSON.stringify(key)}`, directive.valueRange));
    }
  }
  return { skip, error, experimental };
}
