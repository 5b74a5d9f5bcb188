/**
 * Heredoc markers (`<<EOF`, `<<-EOF`, `3<<EOF`, `<<'EOF'`, `<< "EOF"`) as BuildKit finds
 * them: the instruction line is split into shell words (always with `\` as the escape,
 * whatever the `# escape=` directive says, quotes and escapes kept, unset variables left
 * as written), and each word that reads `[digits]<<[-][spaces]word` is a marker when the
 * word after `<<` is one shell word. Quoting any part of that word turns expansion of the
 * body off.
 */

import { emptyEnv, processWords } from './shell';

export interface HeredocMarker {
  /** The terminator, quotes removed. */
  readonly name: string;
  readonly fileDescriptor: number;
  readonly expand: boolean;
  readonly chomp: boolean;
}

/** A marker found in an instruction line, with its offsets in that line. */
export interface LocatedMarker extends HeredocMarker {
  readonly start: number;
  readonly end: number;
}

// Go's \d is ASCII and \s is [\t\n\f\r ].
const markerRe = /^([0-9]*)<<(-?)[\t\n\f\r ]*([^<]*)$/;

function countQuotes(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22 || c === 0x27) n++;
  }
  return n;
}

/**
 * Reads one shell word as a heredoc marker: the marker, undefined when the word is not
 * one, or an error message when the terminator word cannot be lexed (BuildKit then
 * rejects the Dockerfile).
 */
export function parseHeredocMarker(word: string): HeredocMarker | undefined | { error: string } {
  // Most words are not markers: say so before running the pattern.
  if (!word.includes('<<')) return undefined;
  const m = markerRe.exec(word);
  if (!m || m[3] === '') return undefined;
  const rest = m[3];
  const plain = processWords(rest, emptyEnv, { skipUnsetEnv: true });
  if (plain.error) return { error: plain.error.message };
  if (plain.words.length !== 1) return undefined;
  const raw = processWords(rest, emptyEnv, { skipUnsetEnv: true, rawQuotes: true });
  if (raw.error) return { error: raw.error.message };
  if (raw.words.length !== 1) return { error: `internal lexing of heredoc produced inconsistent results: ${rest}` };
  const name = plain.words[0];
  const fd = m[1] === '' ? 0 : Number(m[1]);
  return {
    name,
    fileDescriptor: Number.isSafeInteger(fd) ? fd : 0,
    expand: countQuotes(name) === countQuotes(raw.words[0]),
    chomp: m[2] === '-',
  };
}

export function isHeredocMarker(word: string): boolean {
  const marker = parseHeredocMarker(word);
  return marker !== undefined && !('error' in marker);
}

/**
 * Every marker in an instruction line, in order. Words that do not lex leave the line
 * without heredocs, as in BuildKit.
 */
export function heredocMarkersInLine(line: string): { markers: LocatedMarker[]; error?: { message: string; start: number; end: number } } {
  const words = processWords(line, emptyEnv, { rawQuotes: true, rawEscapes: true, skipUnsetEnv: true }).words;
  const markers: LocatedMarker[] = [];
  let cursor = 0;
  for (const word of words) {
    // Raw words are the source text itself, so the next occurrence is the word's place.
    const found = line.indexOf(word, cursor);
    const start = found < 0 ? cursor : found;
    const end = found < 0 ? cursor : found + word.length;
    cursor = end;
    const marker = parseHeredocMarker(word);
    if (marker === undefined) continue;
    if ('error' in marker) return { markers, error: { message: marker.error, start, end } };
    markers.push({ ...marker, start, end });
  }
  return { markers };
}

/** `<<-`: BuildKit strips leading tabs from every body line (lines end at \n only, as in Go). */
export function chompHeredocContent(content: string): string {
  return content.replace(/(?<=^|\n)\t+/g, '');
}
