/**
 * Columns the way docker prints them: Go's text/tabwriter with docker's settings
 * (minwidth 10, padding 3, spaces). Every cell but the last of a line is padded to its
 * column's width; widths count characters, not bytes, so names with accents line up.
 */
const MIN_WIDTH = 10;
const PADDING = 3;

export function formatTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) {
    row.forEach((cell, column) => {
      if (column === row.length - 1) return;
      widths[column] = Math.max(widths[column] ?? MIN_WIDTH, charLength(cell) + PADDING);
    });
  }
  return rows
    .map((row) => row.map((cell, column) => (column === row.length - 1 ? cell : cell + ' '.repeat(widths[column] - charLength(cell)))).join(''))
    .map((line) => `${line}\n`)
    .join('');
}

/** Lines whose cells are separated by tabs (a rendered `table …` template) → aligned text. */
export function alignTabs(text: string): string {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return formatTable(lines.map((line) => line.split('\t')));
}

function charLength(text: string): number {
  return [...text].length;
}

/**
 * docker's stringutils.Ellipsis: at most `max` characters, the last one an ellipsis when
 * the text was cut.
 */
export function ellipsis(text: string, max: number): string {
  const chars = [...text];
  if (chars.length <= max) return text;
  return `${chars.slice(0, max - 1).join('')}…`;
}

/** 12-character short id, with any `sha256:` prefix removed. */
export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}
