/**
 * Source positions for the Dockerfile parser.
 *
 * Positions are 0-based lines and 0-based characters counted in UTF-16 code units, the
 * unit VS Code uses, so the editor can hand them to a `vscode.Range` unchanged. Ranges are
 * half-open: `end` is the position just after the last character.
 *
 * An instruction's arguments live on a "logical line": the physical lines of the
 * instruction glued together after their continuation characters, comment lines and
 * empty lines are dropped. `LogicalLine` remembers where each glued piece came from, so an
 * offset into the logical text maps back to a source position in O(log pieces) without
 * ever copying the text again.
 */

export interface Position {
  readonly line: number;
  readonly character: number;
}

export interface Range {
  readonly start: Position;
  readonly end: Position;
}

export function position(line: number, character: number): Position {
  return { line, character };
}

export function range(startLine: number, startCharacter: number, endLine: number, endCharacter: number): Range {
  return { start: { line: startLine, character: startCharacter }, end: { line: endLine, character: endCharacter } };
}

/** The physical lines of a document, without their line terminators. */
export class SourceLines {
  /** Each line's text including its terminator, as BuildKit's scanner sees it. */
  readonly raw: string[];
  /** Each line's text with trailing CR/LF characters removed. */
  readonly text: string[];

  constructor(source: string) {
    this.raw = [];
    this.text = [];
    let start = 0;
    const n = source.length;
    while (start < n) {
      let nl = source.indexOf('\n', start);
      const end = nl < 0 ? n : nl + 1;
      const raw = source.slice(start, end);
      this.raw.push(raw);
      this.text.push(trimNewline(raw));
      start = end;
      if (nl < 0) break;
    }
  }

  get length(): number {
    return this.raw.length;
  }

  /** The position just after the last character of the document. */
  endOfDocument(): Position {
    const last = this.text.length - 1;
    return last < 0 ? position(0, 0) : position(last, this.text[last].length);
  }
}

/** BuildKit trims every trailing CR and LF (not just one line ending). */
export function trimNewline(s: string): string {
  let end = s.length;
  while (end > 0) {
    const c = s.charCodeAt(end - 1);
    if (c !== 10 && c !== 13) break;
    end--;
  }
  return end === s.length ? s : s.slice(0, end);
}

/**
 * Text assembled from pieces of physical lines, with a map back to the source.
 * Build it with `append`, then call `finish` once.
 */
export class LogicalLine {
  text = '';
  private readonly parts: string[] = [];
  private length = 0;
  // Parallel arrays (one entry per piece): logical start offset, source line, source character.
  private readonly pieceStart: number[] = [];
  private readonly pieceLine: number[] = [];
  private readonly pieceChar: number[] = [];

  append(text: string, line: number, character: number): void {
    if (text.length === 0) {
      // Still record where an empty piece is, so an empty logical line has a position.
      if (this.pieceStart.length === 0) this.addPiece(line, character);
      return;
    }
    this.addPiece(line, character);
    this.parts.push(text);
    this.length += text.length;
  }

  finish(): this {
    this.text = this.parts.join('');
    return this;
  }

  private addPiece(line: number, character: number): void {
    const last = this.pieceStart.length - 1;
    if (last >= 0 && this.pieceStart[last] === this.length) {
      // An earlier piece was empty: the new one replaces it.
      this.pieceLine[last] = line;
      this.pieceChar[last] = character;
      return;
    }
    this.pieceStart.push(this.length);
    this.pieceLine.push(line);
    this.pieceChar.push(character);
  }

  /** The source position of the character at `offset` (a start position). */
  pos(offset: number): Position {
    return this.at(this.find(offset, false), offset);
  }

  /** The source position just after the character at `offset - 1` (an end position). */
  endPos(offset: number): Position {
    return this.at(this.find(offset, true), offset);
  }

  /** The range of logical text [start, end). */
  range(start: number, end: number): Range {
    return { start: this.pos(start), end: end <= start ? this.pos(start) : this.endPos(end) };
  }

  private at(piece: number, offset: number): Position {
    if (piece < 0) return position(0, 0);
    return position(this.pieceLine[piece], this.pieceChar[piece] + (offset - this.pieceStart[piece]));
  }

  /** The last piece starting at or before `offset` (strictly before it when `end`). */
  private find(offset: number, end: boolean): number {
    let lo = 0;
    let hi = this.pieceStart.length - 1;
    let found = hi >= 0 ? 0 : -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const s = this.pieceStart[mid];
      if (s < offset || (!end && s === offset) || (end && offset === 0 && s === 0)) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
