/**
 * The parse tree: BuildKit's `Node` tree, flattened into one record per instruction, with
 * an exact source range on everything the editor points at.
 *
 * What BuildKit keeps as a linked list (`Value`, `Next`, `Children`) is here `keyword`,
 * `args` and `trigger`; `args` holds exactly the strings BuildKit's `Next` chain holds, in
 * the same order, so the conformance dump is a direct print of it:
 *
 * - RUN/CMD/ENTRYPOINT/SHELL: the JSON array's elements (`json: true`), or the whole rest
 *   of the line as one word.
 * - ADD/COPY/VOLUME: the JSON elements, or the whitespace-separated words.
 * - FROM/EXPOSE: whitespace-separated words. MAINTAINER/USER/WORKDIR/STOPSIGNAL: one word.
 * - ENV/LABEL: triples (name, raw value, separator) where the separator is `=` for
 *   `k=v` and '' for the legacy `ENV k v` form (its range is empty, at the value).
 * - ARG: one word per `name` or `name=value`, quotes kept.
 * - HEALTHCHECK: the type (`CMD`, `NONE`…), then the command as for CMD.
 * - ONBUILD: no args; the triggered instruction is `trigger`.
 * - Unknown keywords: no args (BuildKit keeps one empty word; the dump prints it).
 */

import type { Diagnostic } from './diagnostics';
import type { CheckOptions } from './directives';
import type { Range } from './source';

/** A piece of source text: its value after the parser's processing, and where it is. */
export interface Word {
  readonly value: string;
  readonly range: Range;
}

/** A `--name[=value]` flag in front of an instruction's arguments. */
export interface Flag {
  /** The flag as BuildKit's parser returns it: quotes and escapes removed (`--from=build`). */
  readonly text: string;
  /** The name without the leading `--`. */
  readonly name: string;
  /** The value after the first `=`, or undefined for a bare `--name`. */
  readonly value: string | undefined;
  readonly range: Range;
  /** `--name`. */
  readonly nameRange: Range;
  /** The source text after `=`, quotes included. */
  readonly valueRange: Range | undefined;
}

/** A here-document attached to RUN, COPY or ADD (or ONBUILD of those). */
export interface Heredoc {
  /** The terminator word, quotes removed (`EOF` for `<<'EOF'`). */
  readonly name: string;
  /** The n of `n<<EOF`; 0 when absent. */
  readonly fileDescriptor: number;
  /** False when any part of the terminator word was quoted: the body is taken literally. */
  readonly expand: boolean;
  /** `<<-`: leading tabs are stripped from the body (when used) and the terminator. */
  readonly chomp: boolean;
  /** The body lines with their line endings, exactly as in the file (tabs not yet stripped). */
  readonly content: string;
  /** The `<<EOF` marker in the instruction line. */
  readonly markerRange: Range;
  /** The body: from the first body line to the end of the last one (empty if no body). */
  readonly bodyRange: Range;
  /** The terminator line after its leading tabs; empty at end of file when unterminated. */
  readonly terminatorRange: Range;
}

export interface Node {
  /** The keyword as written (`run`, `RUN`, `Run`). */
  readonly keyword: string;
  /** The keyword lowercased, for dispatch (`run`). */
  readonly instruction: string;
  readonly keywordRange: Range;
  readonly flags: readonly Flag[];
  readonly args: readonly Word[];
  /** The arguments were a JSON array (exec form). */
  readonly json: boolean;
  readonly heredocs: readonly Heredoc[];
  /** ONBUILD's instruction. */
  readonly trigger: Node | undefined;
  /** The text after the keyword and flags (BuildKit's `rest`), trimmed; its range. */
  readonly rest: Word;
  /** The instruction line after continuation handling (BuildKit's `Original`). */
  readonly original: string;
  /** Comment lines directly before the instruction, without `#` (BuildKit's `PrevComment`). */
  readonly comments: readonly string[];
  /** From the keyword to the end of the last line, heredoc terminators included. */
  readonly range: Range;
  /** The parser found an error in this instruction (see the diagnostics). */
  readonly invalid: boolean;
}

export interface Directive {
  /** Lowercase: `syntax`, `escape` or `check`. */
  readonly name: string;
  readonly value: string;
  readonly range: Range;
  readonly nameRange: Range;
  readonly valueRange: Range;
}

export interface ParseResult {
  /** The instructions in source order (BuildKit's root `Children`). */
  readonly nodes: readonly Node[];
  readonly directives: readonly Directive[];
  readonly escapeToken: '\\' | '`';
  /** The `# check=` directive's options (none skipped, warnings not errors, when absent). */
  readonly check: CheckOptions;
  /** Every comment line (directives included), for the editor's folding and tokens. */
  readonly comments: readonly Word[];
  readonly diagnostics: readonly Diagnostic[];
}
