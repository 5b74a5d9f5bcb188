/**
 * Registries: `pull`, `push`, `login`, `logout`. Transfers show one line per blob as
 * docker does — redrawn in place on a terminal, one line per finished blob otherwise, so
 * a CI log stays readable. `--insecure` lets this call use plain HTTP or unverified TLS
 * (BERTH_INSECURE_REGISTRIES does it for good); loopback registries need neither.
 */
import { UsageError, bool, str } from '../args';
import { Command, Context, imageApi, line } from '../command';
import type { TransferProgress } from '../../events';
import { shortId } from '../table';
import { humanSize } from '../units';
import { readLine } from './prompt';

const INSECURE_FLAG = { name: 'insecure', kind: 'bool', description: 'Allow plain HTTP and unverified TLS for this registry' } as const;
const QUIET_FLAG = { name: 'quiet', short: 'q', kind: 'bool', description: 'Suppress verbose output' } as const;
const DEFAULT_SERVER = 'docker.io';

export const pull: Command = {
  usage: '[OPTIONS] NAME[:TAG|@DIGEST]',
  summary: 'Download an image from a registry',
  flags: [{ name: 'platform', kind: 'string', description: 'Set platform if server is multi-platform capable (os/arch[/variant])' }, QUIET_FLAG, INSECURE_FLAG],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const quiet = bool(args, 'quiet');
    const progress = new ProgressDisplay(ctx, 'pull');
    const platform = str(args, 'platform');
    const pulled = await imageApi(await ctx.engine(), 'pullImage')(args.positionals[0], {
      insecure: bool(args, 'insecure'),
      ...(platform !== undefined && { platform }),
      ...(!quiet && { onProgress: (p: TransferProgress) => progress.update(p) }),
    });
    if (!quiet) {
      progress.finish();
      line(ctx.stdout, `Digest: ${pulled.digest}`);
      line(ctx.stdout, `Status: Downloaded ${pulled.name}`);
    }
    line(ctx.stdout, pulled.name);
  },
};

export const push: Command = {
  usage: '[OPTIONS] NAME[:TAG]',
  summary: 'Upload an image to a registry',
  flags: [QUIET_FLAG, INSECURE_FLAG],
  minArgs: 1,
  maxArgs: 1,
  async run(ctx, args) {
    const quiet = bool(args, 'quiet');
    const progress = new ProgressDisplay(ctx, 'push');
    const [name] = args.positionals;
    const digest = await imageApi(await ctx.engine(), 'pushImage')(name, {
      insecure: bool(args, 'insecure'),
      ...(!quiet && { onProgress: (p: TransferProgress) => progress.update(p) }),
    });
    if (!quiet) progress.finish();
    line(ctx.stdout, quiet ? digest : `${name}: digest: ${digest}`);
  },
};

export const login: Command = {
  usage: '[OPTIONS] [SERVER]',
  summary: 'Log in to a registry (credentials go to the Docker config file, ~/.docker/config.json)',
  flags: [
    { name: 'username', short: 'u', kind: 'string', description: 'Username' },
    { name: 'password', short: 'p', kind: 'string', description: 'Password (visible to other users in the process list: prefer --password-stdin)' },
    { name: 'password-stdin', kind: 'bool', description: 'Take the password from stdin' },
    INSECURE_FLAG,
  ],
  maxArgs: 1,
  async run(ctx, args) {
    const server = args.positionals[0] ?? DEFAULT_SERVER;
    let username = str(args, 'username');
    let password = str(args, 'password');
    if (bool(args, 'password-stdin')) {
      if (password !== undefined) throw new UsageError('--password and --password-stdin are mutually exclusive');
      if (username === undefined) throw new UsageError('must provide --username with --password-stdin');
      password = (await readAll(ctx.stdin)).replace(/\r?\n$/, '');
    } else if (password !== undefined) {
      ctx.stderr.write('WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n');
    }
    if (username === undefined || password === undefined) {
      if (!ctx.stdin.isTTY) throw new UsageError('cannot prompt for credentials: STDIN is not a terminal. Use --username and --password-stdin');
      if (username === undefined) {
        ctx.stdout.write('Username: ');
        username = (await readLine(ctx.stdin)).trim();
      }
      password ??= await readSecret(ctx);
    }
    if (!username || !password) throw new UsageError('username and password are required');
    const registry = await imageApi(await ctx.engine(), 'login')(server, { username, password }, { insecure: bool(args, 'insecure') });
    line(ctx.stdout, `Login Succeeded (${registry})`);
  },
};

export const logout: Command = {
  usage: '[SERVER]',
  summary: 'Log out from a registry',
  flags: [],
  maxArgs: 1,
  async run(ctx, args) {
    const server = args.positionals[0] ?? DEFAULT_SERVER;
    const removed = await imageApi(await ctx.engine(), 'logout')(server);
    line(ctx.stdout, removed ? `Removing login credentials for ${server}` : `Not logged in to ${server}`);
  },
};

async function readAll(input: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  for await (const chunk of input as AsyncIterable<Buffer | string>) text += chunk.toString();
  return text;
}

/** A password typed on the terminal, not echoed. */
async function readSecret(ctx: Context): Promise<string> {
  ctx.stdout.write('Password: ');
  const mute = typeof ctx.stdin.setRawMode === 'function';
  if (mute) ctx.stdin.setRawMode!(true);
  try {
    let text = '';
    for await (const chunk of ctx.stdin as AsyncIterable<Buffer>) {
      for (const ch of chunk.toString('utf8')) {
        if (ch === '\r' || ch === '\n') return text;
        if (ch === '\u0003') throw new UsageError('login canceled');
        if (ch === '\u007f') text = text.slice(0, -1);
        else text += ch;
      }
    }
    return text;
  } finally {
    if (mute) ctx.stdin.setRawMode?.(false);
    ctx.stdin.pause();
    ctx.stdout.write('\n');
  }
}

const WORDS: Record<TransferProgress['status'], string> = {
  waiting: 'Waiting',
  downloading: 'Downloading',
  retrying: 'Retrying',
  exists: 'Already exists',
  complete: 'Pull complete',
  uploading: 'Pushing',
  mounted: 'Mounted',
};

/**
 * docker's per-layer lines. On a terminal every known blob has a line that is redrawn
 * (cursor up, clear) at most every 100 ms; elsewhere only final states are printed.
 */
class ProgressDisplay {
  private readonly rows = new Map<string, TransferProgress>();
  private drawn = 0;
  private last = 0;

  constructor(
    private readonly ctx: Context,
    private readonly operation: 'pull' | 'push',
  ) {}

  update(p: TransferProgress): void {
    const final = p.status === 'exists' || p.status === 'complete' || p.status === 'mounted';
    if (!this.ctx.stdout.isTTY) {
      if (final) line(this.ctx.stdout, this.text(p));
      return;
    }
    this.rows.set(p.digest, p);
    if (final || Date.now() - this.last >= 100) this.draw();
  }

  finish(): void {
    if (this.ctx.stdout.isTTY) this.draw();
  }

  private draw(): void {
    this.last = Date.now();
    const out = this.ctx.stdout;
    if (this.drawn > 0) out.write(`\x1b[${this.drawn}A`);
    for (const p of this.rows.values()) out.write(`\x1b[2K${this.text(p)}\n`);
    this.drawn = this.rows.size;
  }

  private text(p: TransferProgress): string {
    const id = shortId(p.digest);
    let word = WORDS[p.status];
    if (p.status === 'complete' && this.operation === 'push') word = 'Pushed';
    if (p.status === 'exists' && this.operation === 'push') word = 'Layer already exists';
    if (p.status !== 'downloading' && p.status !== 'uploading') return `${id}: ${word}`;
    const width = 40;
    const done = p.total > 0 ? Math.min(width, Math.floor((p.current / p.total) * width)) : 0;
    const bar = `[${'='.repeat(Math.max(0, done - 1))}${done > 0 ? '>' : ''}${' '.repeat(width - done)}]`;
    return `${id}: ${word} ${bar} ${humanSize(p.current)}/${humanSize(p.total)}`;
  }
}
