/**
 * The image store as docker shows it: `images` (one row per tag), `history`, `tag`,
 * `rmi` and `image prune`. Rows use docker's template field names (Repository, Tag, ID…).
 */
import { UsageError, bool, list, str } from '../args';
import { Command, eachRef, imageApi, line } from '../command';
import { ImageHistoryEntry, ImageSummary } from '../engine-port';
import { FORMAT_FLAG, Row, renderList } from '../output';
import { ellipsis, shortId } from '../table';
import { humanSize, timeAgo } from '../units';
import { goTime } from './containers';
import { confirmed } from './prompt';

const IMAGE_COLUMNS = [
  { header: 'REPOSITORY', field: 'Repository' },
  { header: 'TAG', field: 'Tag' },
  { header: 'IMAGE ID', field: 'ID' },
  { header: 'CREATED', field: 'CreatedSince' },
  { header: 'SIZE', field: 'Size' },
];
const DIGEST_COLUMN = { header: 'DIGEST', field: 'Digest' };
const IMAGE_HEADERS = { CreatedAt: 'CREATED AT', Containers: 'CONTAINERS', SharedSize: 'SHARED SIZE', UniqueSize: 'UNIQUE SIZE', VirtualSize: 'SIZE' };

export const images: Command = {
  usage: '[OPTIONS] [REPOSITORY[:TAG]]',
  summary: 'List images',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Show all images (default hides intermediate images)' },
    { name: 'digests', kind: 'bool', description: 'Show digests' },
    { name: 'filter', short: 'f', kind: 'list', description: 'Filter output based on conditions provided (dangling=, reference=, label=, before=, since=)' },
    FORMAT_FLAG,
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only show image IDs' },
  ],
  maxArgs: 1,
  async run(ctx, args) {
    const engine = await ctx.engine();
    const all = await imageApi(engine, 'listImages')({ all: bool(args, 'all') });
    const filters = [...list(args, 'filter'), ...args.positionals.map((p) => `reference=${p}`)];
    const shown = all.filter(imageFilter(filters, all));
    const noTrunc = bool(args, 'no-trunc');
    const rows = shown.flatMap((image) => imageRows(image, noTrunc, ctx.now()));
    const quiet = bool(args, 'quiet');
    const unique = quiet ? rows.filter((r, i) => rows.findIndex((o) => o.ID === r.ID) === i) : rows;
    const columns = bool(args, 'digests') ? [...IMAGE_COLUMNS.slice(0, 2), DIGEST_COLUMN, ...IMAGE_COLUMNS.slice(2)] : IMAGE_COLUMNS;
    ctx.stdout.write(renderList(unique, { format: str(args, 'format'), quiet, columns, headers: IMAGE_HEADERS }));
  },
};

/** One row per tag (`<none>` twice for a dangling image), as `docker images`. */
export function imageRows(image: ImageSummary, noTrunc: boolean, now: Date): Row[] {
  const tags = image.repoTags.length > 0 ? image.repoTags.map(splitTag) : [['<none>', '<none>'] as const];
  return tags.map(([repository, tag]) => ({
    Repository: repository,
    Tag: tag,
    ID: noTrunc ? image.id : shortId(image.id),
    Digest: image.repoDigests?.find((d) => d.startsWith(`${repository}@`))?.split('@')[1] ?? '<none>',
    CreatedSince: timeAgo(image.created, now) || 'N/A',
    CreatedAt: goTime(image.created),
    Size: humanSize(image.size),
    VirtualSize: humanSize(image.size),
    SharedSize: 'N/A',
    UniqueSize: 'N/A',
    Containers: image.containers === undefined ? 'N/A' : String(image.containers),
    Labels: Object.entries(image.labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
  }));
}

/** `registry:5000/app:1.0` → [`registry:5000/app`, `1.0`]: the tag is after the last colon of the last path part. */
export function splitTag(reference: string): readonly [string, string] {
  const slash = reference.lastIndexOf('/');
  const colon = reference.lastIndexOf(':');
  return colon > slash ? [reference.slice(0, colon), reference.slice(colon + 1)] : [reference, '<none>'];
}

/** `images --filter`: dangling, reference (a glob over repo[:tag]), label, before, since; keys AND, values of one key OR. */
export function imageFilter(filters: string[], all: ImageSummary[]): (image: ImageSummary) => boolean {
  const tests = new Map<string, ((image: ImageSummary) => boolean)[]>();
  for (const f of filters) {
    const eq = f.indexOf('=');
    const key = f.slice(0, eq);
    const value = f.slice(eq + 1);
    const add = (test: (image: ImageSummary) => boolean) => tests.set(key, [...(tests.get(key) ?? []), test]);
    switch (eq < 0 ? '' : key) {
      case 'dangling': {
        if (!/^(true|false|1|0)$/.test(value)) throw new UsageError(`invalid filter '${f}': dangling takes true or false`);
        const dangling = value === 'true' || value === '1';
        add((image) => (image.repoTags.length === 0) === dangling);
        break;
      }
      case 'reference': {
        const pattern = globRegExp(value);
        add((image) => image.repoTags.some((t) => pattern.test(t) || pattern.test(splitTag(t)[0])));
        break;
      }
      case 'label': {
        const [k, v] = value.split(/=(.*)/s, 2);
        add((image) => image.labels?.[k] !== undefined && (v === undefined || image.labels[k] === v));
        break;
      }
      case 'before':
      case 'since': {
        const pivot = all.find((image) => image.repoTags.includes(value) || image.repoTags.includes(`${value}:latest`) || image.id.replace(/^sha256:/, '').startsWith(value.replace(/^sha256:/, '')));
        if (!pivot) throw new UsageError(`invalid filter '${f}': no such image: ${value}`);
        const at = Date.parse(pivot.created ?? '');
        add((image) => (key === 'before' ? Date.parse(image.created ?? '') < at : Date.parse(image.created ?? '') > at));
        break;
      }
      default:
        throw new UsageError(`invalid filter '${f}' (use dangling=true, reference=PATTERN, label=KEY[=VALUE], before=IMAGE or since=IMAGE)`);
    }
  }
  return (image) => [...tests.values()].every((alternatives) => alternatives.some((test) => test(image)));
}

/** Go's path.Match over a reference: `*` and `?` stay within one path part. */
function globRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

const HISTORY_COLUMNS = [
  { header: 'IMAGE', field: 'ID' },
  { header: 'CREATED', field: 'CreatedSince' },
  { header: 'CREATED BY', field: 'CreatedBy' },
  { header: 'SIZE', field: 'Size' },
  { header: 'COMMENT', field: 'Comment' },
];

export const history: Command = {
  usage: '[OPTIONS] IMAGE',
  summary: 'Show the history of an image',
  flags: [
    FORMAT_FLAG,
    { name: 'human', short: 'H', kind: 'bool', description: 'Print sizes and dates in human readable format (default true)' },
    { name: 'no-trunc', kind: 'bool', description: "Don't truncate output" },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Only show image IDs' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const entries = await imageApi(await ctx.engine(), 'imageHistory')(args.positionals[0]);
    const human = args.flags.human !== false;
    const rows = entries.map((e) => historyRow(e, { human, noTrunc: bool(args, 'no-trunc'), now: ctx.now() }));
    ctx.stdout.write(renderList(rows, { format: str(args, 'format'), quiet: bool(args, 'quiet'), columns: HISTORY_COLUMNS, headers: { CreatedAt: 'CREATED AT' } }));
  },
};

export function historyRow(entry: ImageHistoryEntry, options: { human: boolean; noTrunc: boolean; now: Date }): Row {
  const createdBy = (entry.createdBy ?? '').replace(/\t/g, ' ');
  return {
    ID: entry.id === undefined ? '<missing>' : options.noTrunc ? entry.id : shortId(entry.id),
    CreatedSince: options.human ? timeAgo(entry.created, options.now) || 'N/A' : entry.created ?? '',
    CreatedAt: entry.created ?? '',
    CreatedBy: options.noTrunc ? createdBy : ellipsis(createdBy, 45),
    Size: options.human ? humanSize(entry.size) : String(entry.size),
    Comment: entry.comment ?? '',
  };
}

export const tag: Command = {
  usage: 'SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE',
  flags: [],
  minArgs: 2,
  maxArgs: 2,
  async run(ctx, args) {
    await imageApi(await ctx.engine(), 'tagImage')(args.positionals[0], args.positionals[1]);
  },
};

export const rmi: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Remove one or more images',
  flags: [{ name: 'force', short: 'f', kind: 'bool', description: 'Force removal of the image' }],
  minArgs: 1,
  async run(ctx, args) {
    const remove = imageApi(await ctx.engine(), 'removeImages');
    const force = bool(args, 'force');
    return eachRef(
      ctx,
      args.positionals,
      (ref) => remove([ref], { force }),
      (_ref, result) => removalReport(result as { untagged: string[]; deleted: string[] }, 'Untagged', 'Deleted'),
    );
  },
};

function removalReport(result: { untagged?: string[]; deleted: string[] }, untagged: string, deleted: string): string | undefined {
  const lines = [...(result.untagged ?? []).map((r) => `${untagged}: ${r}`), ...result.deleted.map((id) => `${deleted}: ${id}`)];
  return lines.length > 0 ? lines.join('\n') : undefined;
}

export const imagePrune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove unused images',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Remove all unused images, not just dangling ones' },
    { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(ctx, args) {
    const all = bool(args, 'all');
    const warning = all ? 'WARNING! This will remove all images without at least one container associated to them.' : 'WARNING! This will remove all dangling images.';
    if (!(await confirmed(ctx, args, warning))) return 0;
    const result = await imageApi(await ctx.engine(), 'pruneImages')({ all });
    const report = removalReport(result, 'untagged', 'deleted');
    if (report !== undefined) line(ctx.stdout, `Deleted Images:\n${report}\n`);
    line(ctx.stdout, `Total reclaimed space: ${humanSize(result.reclaimed)}`);
    return 0;
  },
};
