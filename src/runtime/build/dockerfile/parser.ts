/**
 * The Dockerfile parser: source text to a parse tree, the way BuildKit's `parser.Parse`
 * reads it, but never giving up: every problem becomes a diagnostic and parsing goes on.
 *
 * The line loop, in BuildKit's order:
 * - the first line loses a byte-order mark; parser directives are read while the lines
 *   at the top are `# key=value` comments (`directives.ts`);
 * - comment lines and empty lines between instructions are skipped; comments directly
 *   above an instruction become its `comments` (an empty `#` line clears them, blank
 *   lines do not);
 * - an instruction's first line loses its leading whitespace; a line whose last non-blank
 *   character is the escape token (not itself escaped) continues on the next line, which
 *   keeps its leading whitespace; comment lines and whitespace-only lines inside a
 *   continuation are dropped (the latter with a warning);
 * - RUN, COPY and ADD (also under ONBUILD) in shell form take heredoc bodies from the
 *   lines after the instruction, one marker after the other.
 */

import type { Directive, Heredoc, Node, ParseResult, Word } from './ast';
import { isSpace, skipSpaces } from './chars';
import { diagnostic, type Diagnostic } from './diagnostics';
import { DirectiveParser, parseCheckDirective, type CheckOptions } from './directives';
import { heredocMarkersInLine, type LocatedMarker } from './heredoc';
import { newNodeFromLine, type LineContext } from './line-parsers';
import { LogicalLine, position, range, SourceLines, type Position, type Range } from './source';

const heredocInstructions = new Set(['run', 'copy', 'add']);

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** The comments of every instruction without any. */
const noComments: readonly string[] = [];

/** Parses a whole Dockerfile. Never throws. */
export function parse(source: string): ParseResult {
  return new Parser(source).run();
}

function isCommentText(text: string): boolean {
  const i = skipSpaces(text, 0);
  return text.charCodeAt(i) === 0x23;
}

/** Go's strings.TrimSpace. */
function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isSpace(s.charCodeAt(a))) a++;
  while (b > a && isSpace(s.charCodeAt(b - 1))) b--;
  return s.slice(a, b);
}

class Parser {
  private readonly lines: SourceLines;
  private readonly diagnostics: Diagnostic[] = [];
  private readonly nodes: Node[] = [];
  private readonly directives: Directive[] = [];
  private readonly commentWords: Word[] = [];
  private readonly directiveParser = new DirectiveParser();
  private escape: '\\' | '`' = '\\';
  private check: CheckOptions = { skip: [], error: false, experimental: [] };
  private next = 0;
  /** What the line parsers read an instruction with: one, reused. */
  private readonly line: Mutable<LineContext> = { ll: new LogicalLine(), escape: 0x5c, diagnostics: this.diagnostics };

  constructor(source: string) {
    this.lines = new SourceLines(source);
  }

  run(): ParseResult {
    const { text } = this.lines;
    let comments: string[] = [];
    while (this.next < text.length) {
      const lineNo = this.next++;
      const line = text[lineNo];
      // A byte-order mark is dropped from the first line only.
      const first = lineNo === 0 && line.charCodeAt(0) === 0xfeff ? 1 : 0;
      const lead = skipSpaces(line, first);
      const isComment = line.charCodeAt(lead) === 0x23;
      if (isComment) {
        this.commentWords.push({ value: line.slice(lead + 1), range: range(lineNo, lead, lineNo, line.length) });
        // BuildKit trims the line after its first character, leading blanks and all.
        const comment = trimSpace(line.slice(first + 1));
        if (comment === '') comments = [];
        else comments.push(comment);
      }
      const directive = this.directiveParser.parseLine(line, lineNo, lead, this.diagnostics);
      if (directive) {
        this.addDirective(directive);
        comments.pop();
      }
      if (isComment) continue;
      const node = this.instruction(lineNo, lead, comments.length > 0 ? comments : noComments);
      if (node) {
        this.nodes.push(node);
        // The node keeps the list: the next comments go into a new one.
        if (comments.length > 0) comments = [];
      }
    }
    if (this.nodes.length === 0) {
      const end = this.lines.endOfDocument();
      this.diagnostics.push(diagnostic('no-instructions', 'file with no instructions', { start: end, end }));
    }
    return {
      nodes: this.nodes,
      directives: this.directives,
      escapeToken: this.escape,
      check: this.check,
      comments: this.commentWords,
      diagnostics: this.diagnostics,
    };
  }

  private addDirective(directive: Directive): void {
    this.directives.push(directive);
    if (directive.name === 'check') this.check = parseCheckDirective(directive, this.diagnostics);
    if (directive.name !== 'escape') return;
    if (directive.value === '\\' || directive.value === '`') {
      this.escape = directive.value;
      return;
    }
    this.diagnostics.push(
      diagnostic('directive-invalid-escape', `invalid escape token '${directive.value}' does not match \` or \\`, directive.valueRange),
    );
  }

  /**
   * Where a line's continuation token is, or -1 when the line does not continue:
   * BuildKit's `([^\\])\\[ \t]*$|^\\[ \t]*$` for the escape token `\`.
   */
  private continuationAt(text: string, start: number): number {
    let j = text.length;
    while (j > start && (text.charCodeAt(j - 1) === 0x20 || text.charCodeAt(j - 1) === 0x09)) j--;
    const esc = this.escape.charCodeAt(0);
    if (j === start || text.charCodeAt(j - 1) !== esc) return -1;
    if (j - 1 === start || text.charCodeAt(j - 2) !== esc) return j - 1;
    return -1;
  }

  /** Reads the instruction starting at line `lineNo` (text from `lead`); undefined for a blank line. */
  private instruction(lineNo: number, lead: number, comments: readonly string[]): Node | undefined {
    const { text } = this.lines;
    const first = text[lineNo];
    let cont = this.continuationAt(first, lead);
    if (cont < 0 && lead === first.length) return undefined;
    const ll = this.line.ll.clear();
    ll.append(first.slice(lead, cont < 0 ? first.length : cont), lineNo, lead);
    let lastLine = lineNo;
    while (cont >= 0 && this.next < text.length) {
      const n = this.next++;
      const line = text[n];
      if (isCommentText(line)) {
        const at = skipSpaces(line, 0);
        this.commentWords.push({ value: line.slice(at + 1), range: range(n, at, n, line.length) });
        continue;
      }
      if (skipSpaces(line, 0) === line.length) {
        this.diagnostics.push(
          diagnostic('empty-continuation-line', 'Empty continuation line (will become an error in a future release)', range(n, 0, n, line.length)),
        );
        continue;
      }
      cont = this.continuationAt(line, 0);
      ll.append(cont < 0 ? line : line.slice(0, cont), n, 0);
      lastLine = n;
    }
    this.line.escape = this.escape.charCodeAt(0);
    // Finished here rather than copied: the range runs to the end of the last line, or of
    // the last heredoc.
    const node: Mutable<Node> = newNodeFromLine(this.line, 0, ll.text.length, comments);
    const { start, end: argsEnd } = node.range;
    const lineEnd = text[lastLine].length;
    const end = argsEnd.line === lastLine && argsEnd.character === lineEnd ? argsEnd : position(lastLine, lineEnd);
    const target = node.instruction === 'onbuild' ? node.trigger : node;
    if (!target || !heredocInstructions.has(target.instruction) || target.json || !ll.text.includes('<<')) {
      if (end !== argsEnd) node.range = { start, end };
      return node;
    }
    const heredocs = this.heredocs(ll, start);
    const last = heredocs[heredocs.length - 1];
    node.heredocs = heredocs;
    node.range = { start, end: last ? last.terminatorRange.end : end };
    return node;
  }

  private heredocs(ll: LogicalLine, start: Position): Heredoc[] {
    const found = heredocMarkersInLine(ll.text);
    if (found.error) {
      this.diagnostics.push(diagnostic('heredoc-invalid', found.error.message, ll.range(found.error.start, found.error.end)));
      return [];
    }
    const out: Heredoc[] = [];
    for (const marker of found.markers) {
      const heredoc = this.heredocBody(marker, ll.range(marker.start, marker.end), start);
      out.push(heredoc);
    }
    return out;
  }

  /** Consumes the body and terminator of one heredoc from the following lines. */
  private heredocBody(marker: LocatedMarker, markerRange: Range, start: Position): Heredoc {
    const { text } = this.lines;
    const bodyStart = this.next;
    while (this.next < text.length) {
      const n = this.next++;
      const line = text[n];
      let tabs = 0;
      if (marker.chomp) while (line.charCodeAt(tabs) === 0x09) tabs++;
      if (line.length - tabs === marker.name.length && line.endsWith(marker.name)) {
        return this.heredocNode(marker, markerRange, this.lines.raw(bodyStart, n), bodyStart, n, range(n, tabs, n, line.length));
      }
    }
    const eof = this.lines.endOfDocument();
    this.diagnostics.push(
      diagnostic('heredoc-unterminated', `unterminated heredoc: no line ${marker.name} closes it`, { start, end: markerRange.end }),
    );
    const content = this.lines.raw(bodyStart, text.length);
    return this.heredocNode(marker, markerRange, content, bodyStart, text.length, { start: eof, end: eof });
  }

  private heredocNode(
    marker: LocatedMarker,
    markerRange: Range,
    content: string,
    bodyStart: number,
    terminatorLine: number,
    terminatorRange: Range,
  ): Heredoc {
    const { text } = this.lines;
    const bodyRange =
      terminatorLine > bodyStart
        ? range(bodyStart, 0, terminatorLine - 1, text[terminatorLine - 1].length)
        : { start: terminatorRange.start, end: terminatorRange.start };
    return {
      name: marker.name,
      fileDescriptor: marker.fileDescriptor,
      expand: marker.expand,
      chomp: marker.chomp,
      content,
      markerRange,
      bodyRange,
      terminatorRange,
    };
  }
}
