/**
 * `layers IMAGE`: dive's analysis in a terminal — the layers with what made them and what
 * they change, the efficiency score and the wasted files — or one layer's file tree
 * (`--layer N`, `--aggregated`). `--json` prints the same data. dive's CI rules
 * (`--lowest-efficiency`, `--highest-wasted-bytes`, `--highest-user-wasted-percent`) are
 * checked when given, and a broken rule ends the command with status 1, as `dive --ci` does.
 */
import * as path from 'node:path';
import { BerthError } from '../../errors';
import type { Engine } from '../../engine';
import type { FileTree, ImageLayersReport, LayerRow } from '../../layers/layers';
import { UsageError, bool, num, str } from '../args';
import { Command, line } from '../command';
import { ellipsis, formatTable } from '../table';
import { humanSize } from '../units';

type LayersApi = Pick<Engine, 'imageLayers'>;

function layersApi(engine: unknown): LayersApi {
  const e = engine as Partial<LayersApi>;
  if (typeof e.imageLayers !== 'function') throw new BerthError('unavailable', 'This berth cannot show layers yet: its runtime has no imageLayers(). Update berth.');
  return e as LayersApi;
}

interface RuleResult {
  rule: string;
  limit: number;
  actual: number;
  passed: boolean;
}

export const layersCommand: Command = {
  usage: '[OPTIONS] IMAGE',
  summary: "Show an image's layers, what each changes, and the space it wastes",
  flags: [
    { name: 'json', kind: 'bool', description: 'Print the analysis (or the tree) as JSON' },
    { name: 'layer', kind: 'int', description: 'Print the file tree of this layer (0 is the base)' },
    { name: 'aggregated', kind: 'bool', description: 'With --layer: the whole filesystem up to the layer, not only its changes' },
    { name: 'lowest-efficiency', kind: 'number', description: 'Fail when the efficiency score (0..1) is lower' },
    { name: 'highest-wasted-bytes', kind: 'string', description: "Fail when more bytes are wasted (e.g. '20MB', '1GiB')" },
    { name: 'highest-user-wasted-percent', kind: 'number', description: 'Fail when the wasted share of the non-base layers (0..1) is higher' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const layers = await layersApi(await ctx.engine()).imageLayers(args.positionals[0]);
    const json = bool(args, 'json');
    const layer = num(args, 'layer');
    if (layer !== undefined) {
      const tree = layers.tree(layer, bool(args, 'aggregated') ? 'aggregated' : 'layer');
      line(ctx.stdout, json ? JSON.stringify(tree) : treeText(tree));
      return 0;
    }
    const rules = checkRules(layers.report, args);
    if (json) line(ctx.stdout, JSON.stringify({ ...layers.report, ...(rules.length > 0 && { rules }) }, null, 2));
    else ctx.stdout.write(reportText(layers.report, rules));
    return rules.some((r) => !r.passed) ? 1 : 0;
  },
};

function checkRules(report: ImageLayersReport, args: Parameters<Command['run']>[1]): RuleResult[] {
  const s = report.summary;
  const out: RuleResult[] = [];
  const efficiency = num(args, 'lowest-efficiency');
  if (efficiency !== undefined) out.push({ rule: 'lowest-efficiency', limit: efficiency, actual: s.efficiency, passed: s.efficiency >= efficiency });
  const bytes = str(args, 'highest-wasted-bytes');
  if (bytes !== undefined) {
    const limit = parseBytes(bytes);
    out.push({ rule: 'highest-wasted-bytes', limit, actual: s.wastedBytes, passed: s.wastedBytes <= limit });
  }
  const percent = num(args, 'highest-user-wasted-percent');
  if (percent !== undefined) out.push({ rule: 'highest-user-wasted-percent', limit: percent, actual: s.userWastedPercent, passed: s.userWastedPercent <= percent });
  return out;
}

const BYTE_UNITS: Record<string, number> = { '': 1, b: 1, k: 1e3, kb: 1e3, m: 1e6, mb: 1e6, g: 1e9, gb: 1e9, t: 1e12, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** Sizes as dive reads them (go-humanize ParseBytes): decimal kB/MB/GB, binary KiB/MiB/GiB. */
export function parseBytes(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  const unit = m ? BYTE_UNITS[m[2].toLowerCase()] : undefined;
  if (!m || unit === undefined) throw new UsageError(`invalid size '${text}' for --highest-wasted-bytes (use e.g. 20MB or 1GiB)`);
  return Math.round(Number(m[1]) * unit);
}

function percent(value: number): string {
  return `${(value * 100).toFixed(2)} %`;
}

function rowChanges(row: LayerRow): string {
  return row.layer === undefined ? '' : `+${row.added} ~${row.modified} -${row.removed}`;
}

/** `Dockerfile:12`: relative to the working directory when below it (terminals link it), else absolute. */
function sourceText(source: NonNullable<LayerRow['source']>): string {
  const relative = path.relative(process.cwd(), source.file);
  return `${relative.startsWith('..') || path.isAbsolute(relative) ? source.file : relative}:${source.line}`;
}

function reportText(report: ImageLayersReport, rules: RuleResult[]): string {
  const s = report.summary;
  const out: string[] = [];
  out.push(`Image: ${report.names[0] ?? report.id} (${report.id.slice(7, 19)})`);
  out.push(`Total size: ${humanSize(s.totalSize)}   Efficiency: ${percent(s.efficiency)}   Wasted: ${humanSize(s.wastedBytes)}   User wasted: ${percent(s.userWastedPercent)}`);
  out.push('');
  // The Dockerfile column only for images Berth built from a file.
  const sources = report.rows.some((r) => r.source);
  const rows = report.rows.map((r) => [r.layer === undefined ? '-' : String(r.layer), humanSize(r.size), rowChanges(r), ...(sources ? [r.source ? sourceText(r.source) : ''] : []), ellipsis(r.createdBy.replace(/\s+/g, ' '), 80)]);
  out.push(formatTable([['LAYER', 'SIZE', 'CHANGES', ...(sources ? ['DOCKERFILE'] : []), 'CREATED BY'], ...rows]).trimEnd());
  if (s.wasted.length > 0) {
    out.push('', 'Wasted space:');
    out.push(formatTable([['COUNT', 'TOTAL SPACE', 'PATH'], ...s.wasted.map((w) => [String(w.count), humanSize(w.bytes), `/${w.path}`])]).trimEnd());
  }
  if (rules.length > 0) {
    out.push('', 'CI rules:');
    for (const r of rules) {
      const show = r.rule === 'highest-wasted-bytes' ? humanSize : (v: number) => String(Number(v.toFixed(4)));
      out.push(`  ${r.passed ? 'PASS' : 'FAIL'}  ${r.rule}: ${show(r.actual)} (limit ${show(r.limit)})`);
    }
  }
  return `${out.join('\n')}\n`;
}

const CHANGE_MARK: Record<string, string> = { a: '+', m: '~', r: '-', u: ' ' };

function treeText(tree: FileTree): string {
  const out: string[] = [];
  for (let i = 0; i < tree.paths.length; i++) {
    const p = tree.paths[i];
    const name = p.slice(p.lastIndexOf('/') + 1) + (tree.types[i] === 'd' ? '/' : '');
    const link = tree.links[i] !== undefined ? ` -> ${tree.links[i]}` : '';
    const mode = (tree.modes[i] & 0o7777).toString(8).padStart(4, '0');
    out.push(`${CHANGE_MARK[tree.changes[i]]} ${mode} ${`${tree.uids[i]}:${tree.gids[i]}`.padEnd(11)} ${humanSize(tree.sizes[i]).padStart(8)}  ${'  '.repeat(tree.depths[i])}${name}${link}`);
  }
  return out.join('\n');
}
