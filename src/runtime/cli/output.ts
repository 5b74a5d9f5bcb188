/**
 * One way to print every listing: the default table, `-q` ids, `--format json` (one JSON
 * object a line, like docker), `--format table {{…}}` (a table with docker's headers) or
 * any `{{…}}` template, one line per row. Rows are flat objects in docker's field names
 * (ID, Image, Names…) so format strings written for docker work unchanged.
 */
import { FlagSpec } from './args';
import { formatTable, alignTabs } from './table';
import { parseTemplate } from './template';

export type Row = Record<string, unknown>;

export interface Column {
  header: string;
  field: string;
}

export interface ListOptions {
  format?: string;
  quiet?: boolean;
  /** The default table. */
  columns: Column[];
  /** Header names for fields a `table` template may use beyond the default columns. */
  headers?: Record<string, string>;
  /** What `-q` prints. */
  quietField?: string;
}

export const FORMAT_FLAG: FlagSpec = {
  name: 'format',
  kind: 'string',
  description: "Format output: 'table', 'json', or a Go template such as '{{.ID}}'",
};

export function renderList(rows: Row[], options: ListOptions): string {
  const format = options.format?.trim();
  if (options.quiet) return rows.map((r) => `${String(r[options.quietField ?? 'ID'])}\n`).join('');
  if (format === undefined || format === '' || format === 'table') {
    return formatTable([options.columns.map((c) => c.header), ...rows.map((r) => options.columns.map((c) => String(r[c.field] ?? '')))]);
  }
  if (format === 'json') return rows.map((r) => `${JSON.stringify(r)}\n`).join('');
  const template = parseTemplate(format);
  if (!template.table) return rows.map((r) => `${template.render(r)}\n`).join('');
  const headers: Record<string, string> = { ...options.headers };
  for (const c of options.columns) headers[c.field] = c.header;
  const headerRow = new Proxy(headers, { get: (target, key) => (typeof key === 'string' ? target[key] ?? key.toUpperCase() : undefined) });
  return alignTabs([template.render(headerRow), ...rows.map((r) => template.render(r))].join('\n'));
}

/** `--format` for single objects (inspect, info, version): JSON (indented like docker's inspect) or a template. */
export function renderObject(value: unknown, format: string | undefined, indent = 4): string {
  if (format === undefined || format === 'json') return `${JSON.stringify(value, null, format === 'json' ? undefined : indent)}\n`;
  return `${parseTemplate(format).render(value)}\n`;
}
