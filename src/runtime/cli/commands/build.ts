/**
 * `build` and `builder prune`. Progress goes to stderr the way `docker build
 * --progress=plain` prints it (`#3 [build 2/4] RUN make`, its output lines with the
 * seconds since the step began, `#3 DONE 1.2s` or `#3 CACHED`); `-q` prints only the image
 * id, on stdout. Ctrl-C or SIGTERM cancel the build: the builder stops the running step and
 * leaves no image, container or mount behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { BerthError } from '../../errors';
import type { BuildEvent } from '../../build/build';
import type { Engine } from '../../engine';
import { UsageError, bool, list, str } from '../args';
import { Command, Context, keepingAlive, line } from '../command';

type BuildApi = Pick<Engine, 'buildImage' | 'pruneBuildCache'>;

function buildApi(engine: unknown): BuildApi {
  const e = engine as Partial<BuildApi>;
  if (typeof e.buildImage !== 'function' || typeof e.pruneBuildCache !== 'function') throw new BerthError('unavailable', 'This berth cannot build images yet: its runtime has no buildImage(). Update berth.');
  return e as BuildApi;
}

export const build: Command = {
  usage: '[OPTIONS] PATH',
  summary: 'Build an image from a Dockerfile',
  flags: [
    { name: 'file', short: 'f', kind: 'string', description: "Name of the Dockerfile (default: 'PATH/Dockerfile'; '-' reads it from STDIN)" },
    { name: 'tag', short: 't', kind: 'list', description: "Name and optionally a tag in the 'name:tag' format" },
    { name: 'target', kind: 'string', description: 'Set the target build stage to build' },
    { name: 'build-arg', kind: 'list', description: 'Set build-time variables' },
    { name: 'label', kind: 'list', description: 'Set metadata for an image' },
    { name: 'no-cache', kind: 'bool', description: 'Do not use cache when building the image' },
    { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress the build output and print image ID on success' },
    { name: 'iidfile', kind: 'string', description: 'Write the image ID to the file' },
    { name: 'secret', kind: 'list', description: 'Secret to expose to the build (format: "id=mysecret[,src=/local/secret]" or "id=x,env=VAR")' },
    { name: 'platform', kind: 'string', description: "Set platform (only the host's platform can be built)" },
    { name: 'progress', kind: 'string', description: 'Set type of progress output (auto, plain, quiet)' },
  ],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const context = path.resolve(args.positionals[0]);
    if (!fs.statSync(context, { throwIfNoEntry: false })?.isDirectory()) throw new UsageError(`unable to prepare context: path "${args.positionals[0]}" not found or not a directory`);
    const fileFlag = str(args, 'file');
    const dockerfileName = fileFlag === '-' ? '-' : path.resolve(fileFlag === undefined ? path.join(context, 'Dockerfile') : fileFlag);
    const dockerfile = fileFlag === '-' ? await readAll(ctx.stdin) : readDockerfile(dockerfileName);
    const quiet = bool(args, 'quiet') || str(args, 'progress') === 'quiet';
    const controller = new AbortController();
    const cancel = () => controller.abort(new BerthError('canceled', 'The build was canceled.'));
    process.once('SIGINT', cancel);
    process.once('SIGTERM', cancel);
    try {
      const engine = buildApi(await ctx.engine());
      const result = await keepingAlive(() =>
        engine.buildImage({
          context,
          dockerfile,
          dockerfileName: fileFlag === '-' ? 'Dockerfile' : path.relative(process.cwd(), dockerfileName) || 'Dockerfile',
          ...(fileFlag !== '-' && { dockerfilePath: dockerfileName }),
          target: str(args, 'target'),
          buildArgs: keyValues(list(args, 'build-arg'), '--build-arg', ctx.env),
          labels: keyValues(list(args, 'label'), '--label'),
          tags: list(args, 'tag'),
          noCache: bool(args, 'no-cache'),
          platform: str(args, 'platform'),
          secrets: secrets(list(args, 'secret')),
          onEvent: quiet ? undefined : plainProgress(ctx),
          signal: controller.signal,
        }),
      );
      const iidfile = str(args, 'iidfile');
      if (iidfile !== undefined) fs.writeFileSync(iidfile, result.id);
      if (quiet) line(ctx.stdout, result.id);
      return 0;
    } catch (err) {
      if (controller.signal.aborted) {
        ctx.stderr.write('berth: build canceled\n');
        return 130;
      }
      throw err;
    } finally {
      process.off('SIGINT', cancel);
      process.off('SIGTERM', cancel);
    }
  },
};

export const builderPrune: Command = {
  usage: '[OPTIONS]',
  summary: 'Remove build cache',
  flags: [
    { name: 'all', short: 'a', kind: 'bool', description: 'Remove all unused build cache (the default: all of it)' },
    { name: 'force', short: 'f', kind: 'bool', description: 'Do not prompt for confirmation' },
  ],
  maxArgs: 0,
  async run(ctx) {
    const { records } = await buildApi(await ctx.engine()).pruneBuildCache();
    line(ctx.stdout, `Deleted build cache objects: ${records}`);
  },
};

function readDockerfile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new BerthError('invalid-argument', `failed to read the Dockerfile ${file}: ${(err as Error).message}`, { cause: err });
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(parts).toString('utf8');
}

/**
 * `KEY=value` items. A bare `KEY` is, for --build-arg, taken from the environment (skipped
 * when unset), as docker does; for --label, an empty value.
 */
function keyValues(items: string[], flag: string, env?: NodeJS.ProcessEnv): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    if (eq === 0) throw new UsageError(`${flag} ${item}: the name is empty`);
    if (eq > 0) out[item.slice(0, eq)] = item.slice(eq + 1);
    else if (!env) out[item] = '';
    else if (env[item] !== undefined) out[item] = env[item]!;
  }
  return out;
}

function secrets(items: string[]): Record<string, { file?: string; env?: string }> {
  const out: Record<string, { file?: string; env?: string }> = {};
  for (const item of items) {
    const fields = Object.fromEntries(item.split(',').map((f) => [f.slice(0, f.indexOf('=') < 0 ? f.length : f.indexOf('=')), f.slice(f.indexOf('=') + 1)]));
    const id = fields.id;
    if (!id) throw new UsageError(`--secret ${item}: give id=NAME and src=FILE or env=VAR`);
    const file = fields.src ?? fields.source;
    if (file !== undefined) out[id] = { file: path.resolve(file) };
    else out[id] = { env: fields.env ?? id };
  }
  return out;
}

/** docker build --progress=plain, on stderr. */
function plainProgress(ctx: Context): (event: BuildEvent) => void {
  const seconds = (ms: number) => (ms / 1000).toFixed(1);
  return (event) => {
    const out = ctx.stderr;
    switch (event.type) {
      case 'step.start':
        out.write(`#${event.vertex.id} ${event.vertex.name}\n`);
        break;
      case 'step.cached':
        out.write(`#${event.vertex.id} CACHED\n\n`);
        break;
      case 'step.log':
        out.write(`#${event.vertex.id} ${(event.elapsed / 1000).toFixed(3)} ${event.text}\n`);
        break;
      case 'step.done':
        out.write(`#${event.vertex.id} DONE ${seconds(event.elapsed)}s\n\n`);
        break;
      case 'step.failed':
        out.write(`#${event.vertex.id} ERROR: ${event.error}\n\n`);
        break;
      case 'build.done':
        out.write(`writing image ${event.id} done\n`);
        for (const name of event.names) out.write(`naming to ${name} done\n`);
        break;
    }
  };
}
