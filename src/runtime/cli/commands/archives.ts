/**
 * Images in and out of files: `load` and `save` (docker-save and OCI archives), `import`
 * (a root filesystem as a tarball or a directory) and `commit` (a container's changes).
 * Archives are binary, so reading one from a terminal or writing one to it is refused.
 */
import * as path from 'node:path';
import { BerthError } from '../../errors';
import { ParsedArgs, UsageError, bool, list, str } from '../args';
import { Command, Context, imageApi, line } from '../command';

export const load: Command = {
  usage: '[OPTIONS]',
  summary: 'Load an image from a tar archive or STDIN',
  flags: [
    { name: 'input', short: 'i', kind: 'string', description: 'Read from tar archive file, instead of STDIN' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress the load output' },
  ],
  maxArgs: 0,
  async run(ctx, args) {
    const input = str(args, 'input');
    const source = input === undefined ? archiveStdin(ctx, 'berth load -i FILE') : path.resolve(input);
    const loaded = await imageApi(await ctx.engine(), 'loadImages')(source);
    if (bool(args, 'quiet')) return;
    for (const ref of loaded) line(ctx.stdout, ref.startsWith('sha256:') ? `Loaded image ID: ${ref}` : `Loaded image: ${ref}`);
  },
};

export const save: Command = {
  usage: '[OPTIONS] IMAGE [IMAGE...]',
  summary: 'Save one or more images to a tar archive (streamed to STDOUT by default)',
  flags: [
    { name: 'output', short: 'o', kind: 'string', description: 'Write to a file, instead of STDOUT' },
    { name: 'format', kind: 'string', description: 'Archive format: docker-archive (default, what docker and podman load) or oci-archive' },
  ],
  minArgs: 1,
  async run(ctx, args) {
    const format = str(args, 'format') ?? 'docker-archive';
    if (format !== 'docker-archive' && format !== 'oci-archive') throw new UsageError(`unknown archive format '${format}' (use docker-archive or oci-archive)`);
    const output = str(args, 'output');
    if (output === undefined && ctx.stdout.isTTY) {
      throw new UsageError('cowardly refusing to save to a terminal. Use the -o flag or redirect the output to a file.');
    }
    await imageApi(await ctx.engine(), 'saveImages')(args.positionals, output === undefined ? ctx.stdout : path.resolve(output), { format });
  },
};

export const importImage: Command = {
  usage: '[OPTIONS] file|directory|- [REPOSITORY[:TAG]]',
  summary: 'Import the contents from a tarball or a directory to create a filesystem image',
  flags: [
    { name: 'change', short: 'c', kind: 'list', description: 'Apply Dockerfile instruction to the created image (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, USER, VOLUME, WORKDIR)' },
    { name: 'message', short: 'm', kind: 'string', description: 'Set commit message for imported image' },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, args) {
    const [source, reference] = args.positionals;
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) {
      throw new UsageError(`berth imports files and directories, not URLs: download '${source}' first, then \`berth import FILE\``);
    }
    const input = source === '-' ? archiveStdin(ctx, 'berth import FILE') : path.resolve(source);
    const id = await imageApi(await ctx.engine(), 'importImage')(input, reference, changesAndMessage(args));
    line(ctx.stdout, id);
  },
};

export const commit: Command = {
  usage: '[OPTIONS] CONTAINER [REPOSITORY[:TAG]]',
  summary: "Create a new image from a container's changes",
  flags: [
    { name: 'author', short: 'a', kind: 'string', description: 'Author (e.g., "John Hannibal Smith <hannibal@a-team.com>")' },
    { name: 'change', short: 'c', kind: 'list', description: 'Apply Dockerfile instruction to the created image' },
    { name: 'message', short: 'm', kind: 'string', description: 'Commit message' },
    { name: 'pause', short: 'p', kind: 'bool', description: 'Pause container during commit (default true)' },
  ],
  minArgs: 1,
  maxArgs: 2,
  async run(ctx, args) {
    const [container, reference] = args.positionals;
    const author = str(args, 'author');
    const id = await imageApi(await ctx.engine(), 'commitContainer')(container, {
      ...changesAndMessage(args),
      ...(reference !== undefined ? { reference } : {}),
      ...(author !== undefined ? { author } : {}),
      pause: args.flags.pause !== false,
    });
    line(ctx.stdout, id);
  },
};

function changesAndMessage(args: ParsedArgs): { changes?: string[]; message?: string } {
  const changes = list(args, 'change');
  const message = str(args, 'message');
  return { ...(changes.length > 0 ? { changes } : {}), ...(message !== undefined ? { message } : {}) };
}

/** STDIN as an archive source; a terminal has no archive to give, so that is refused. */
function archiveStdin(ctx: Context, instead: string): NodeJS.ReadableStream {
  if (ctx.stdin.isTTY) throw new BerthError('invalid-argument', `requested to read an archive from STDIN, but STDIN is a terminal. Pipe the archive in, or use \`${instead}\`.`);
  return ctx.stdin;
}
