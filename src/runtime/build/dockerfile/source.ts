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
  /** Each line's text with trailing CR/LF characters removed. */
  readonly text: string[] = [];
  /** Where each line starts in the source, and the source's length last. */
  private readonly starts: number[] = [];

  constructor(private readonly source: string) {
    let start = 0;
    const n = source.length;
    while (start < n) {
      const nl = source.indexOf('\n', start);
      const end = nl < 0 ? n : nl + 1;
      this.starts.push(start);
      this.text.push(source.slice(start, trimmedEnd(source, start, end)));
      start = end;
    }
    this.starts.push(n);
  }

  get length(): number {
    return this.text.length;
  }

  /** Lines [from, to) with their terminators, as BuildKit's scanner reads them. */
  raw(from: number, to: number): string {
    return this.source.slice(this.starts[from], this.starts[to]);
  }

  /** The position just after the last character of the document. */
  endOfDocument(): Position {
    const last = this.text.length - 1;
    return last < 0 ? position(0, 0) : position(last, this.text[last].length);
  }
}

/** The end of s[start, end) without its trailing CRs and LFs: BuildKit trims them all, not one line ending. */
function trimmedEnd(s: string, start: number, end: number): number {
  let e = end;
  while (e > start) {
    const c = s.charCodeAt(e - 1);
    if (c !== 10 && c !== 13) break;
    e--;
  }
  return e;
}

/**
 * Text assembled from pieces of physical lines, with a map back to the source. The
 * parser reuses one for every instruction (`clear`): ranges are made from it while the
 * instruction is read, and it keeps nothing afterwards.
 */
export class LogicalLine {
  /** The pieces glued (most instructions are one piece: the line itself, not a copy). */
  text = '';
  // Parallel arrays (one entry per piece): logical start offset, source line, source character.
  private readonly pieceStart: number[] = [];
  private readonly pieceLine: number[] = [];
  private readonly pieceChar: number[] = [];

  clear(): this {
    this.text = '';
    this.pieceStart.length = 0;
    this.pieceLine.length = 0;
    this.pieceChar.length = 0;
    return this;
  }

  append(text: string, line: number, character: number): void {
    if (text.length === 0) {
      // Still record where an empty piece is, so an empty logical line has a position.
      if (this.pieceStart.length === 0) this.addPiece(line, character);
      return;
    }
    this.addPiece(line, character);
    this.text += text;
  }

  private addPiece(line: number, character: number): void {
    const last = this.pieceStart.length - 1;
    if (last >= 0 && this.pieceStart[last] === this.text.length) {
      // An earlier piece was empty: the new one replaces it.
      this.pieceLine[last] = line;
      this.pieceChar[last] = character;
      return;
    }
    this.pieceStart.push(this.text.length);
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
