/**
 * What the editor says about the language itself: every instruction, flag and parser
 * directive with a short documentation text and a completion snippet. Data only (no
 * vscode), shared by hover and completion; the texts follow the Dockerfile reference.
 */

export interface FlagDoc {
  readonly name: string;
  readonly doc: string;
  /** Snippet for the value after `=`; undefined for a boolean flag. */
  readonly value?: string;
}

export interface InstructionDoc {
  readonly name: string;
  readonly syntax: string;
  readonly doc: string;
  /** Snippet inserted after the keyword. */
  readonly snippet: string;
  readonly flags: readonly FlagDoc[];
}

const REFERENCE = 'https://docs.docker.com/reference/dockerfile/';

const chown: FlagDoc = { name: 'chown', doc: 'Owner of the copied files: `user:group`, names or numeric ids (Linux only).', value: '${1:user}:${2:group}' };
const chmod: FlagDoc = { name: 'chmod', doc: 'Permissions of the copied files, octal (`0755`) or symbolic (`u+x`).', value: '${1:0755}' };
const link: FlagDoc = { name: 'link', doc: 'Copy into a layer of its own, independent of the layers below: the result is reused even when the base changes (rebase without rebuilding).' };
const exclude: FlagDoc = { name: 'exclude', doc: 'A path pattern to leave out of the copy; may be repeated.', value: '${1:pattern}' };

export const instructions: readonly InstructionDoc[] = [
  {
    name: 'FROM',
    syntax: 'FROM [--platform=<platform>] <image>[:<tag>|@<digest>] [AS <name>]',
    doc: 'Starts a build stage from a base image (or `scratch`, or an earlier stage). `AS name` names the stage for `COPY --from` and `--target`.',
    snippet: '${1:image}:${2:tag}${3: AS ${4:name}}',
    flags: [{ name: 'platform', doc: 'The platform of the base image, e.g. `linux/amd64` or `$BUILDPLATFORM`.', value: '${1:\\$BUILDPLATFORM}' }],
  },
  {
    name: 'RUN',
    syntax: 'RUN [--mount=…] [--network=…] [--security=…] <command> | ["executable", "param"…]',
    doc: 'Runs a command in a new layer on top of the current image. Shell form runs through the stage\'s SHELL (`/bin/sh -c`); exec form runs the program directly. Heredocs (`RUN <<EOF`) give a script.',
    snippet: '${1:command}',
    flags: [
      {
        name: 'mount',
        doc: 'A filesystem for this RUN only: `type=bind` (from the context or a stage), `type=cache` (kept across builds, e.g. package caches), `type=tmpfs`, `type=secret` (a build secret, never in the image), `type=ssh` (the SSH agent). Options: `target`, `source`, `from`, `id`, `sharing`, `readonly`, `required`, `mode`, `uid`, `gid`, `env`.',
        value: 'type=${1|cache,bind,tmpfs,secret,ssh|},target=${2:/root/.cache}',
      },
      { name: 'network', doc: 'The network the command sees: `default`, `none` (no network) or `host` (needs the network.host entitlement).', value: '${1|default,none,host|}' },
      { name: 'security', doc: '`insecure` runs the command without the sandbox (needs the security.insecure entitlement); `sandbox` is the default.', value: '${1|sandbox,insecure|}' },
      { name: 'device', doc: 'Exposes a CDI device to the command (experimental).', value: '${1:name}' },
    ],
  },
  {
    name: 'CMD',
    syntax: 'CMD ["executable", "param"…] | ["param"…] | command param…',
    doc: 'The default command of the container (or the default arguments of ENTRYPOINT). Only the last CMD of a stage counts. Prefer the exec (JSON) form, so the program receives signals.',
    snippet: '["${1:executable}"${2:, "${3:param}"}]',
    flags: [],
  },
  {
    name: 'ENTRYPOINT',
    syntax: 'ENTRYPOINT ["executable", "param"…] | command param…',
    doc: 'The program the container runs; CMD and `run` arguments are appended to it (exec form). Only the last ENTRYPOINT of a stage counts.',
    snippet: '["${1:executable}"${2:, "${3:param}"}]',
    flags: [],
  },
  {
    name: 'COPY',
    syntax: 'COPY [--from=<stage|image>] [--chown=…] [--chmod=…] [--link] [--parents] [--exclude=…] <src>… <dest>',
    doc: 'Copies files from the build context (or a stage, an image, a named context) into the image. Sources may use wildcards; several sources need a destination ending in `/`.',
    snippet: '${1:src} ${2:dest}',
    flags: [
      { name: 'from', doc: 'Copy from a stage (name or index), an image or a named build context instead of the build context.', value: '${1:stage}' },
      chown,
      chmod,
      link,
      { name: 'parents', doc: 'Keep the parent directories of the sources (relative to the context, or to a `/./` marker in the source).' },
      exclude,
    ],
  },
  {
    name: 'ADD',
    syntax: 'ADD [--checksum=…] [--keep-git-dir] [--unpack] [--chown=…] [--chmod=…] [--link] [--exclude=…] <src>… <dest>',
    doc: 'Like COPY, and also fetches URLs and git repositories and unpacks local tar archives. Use COPY when you need none of that.',
    snippet: '${1:src} ${2:dest}',
    flags: [
      { name: 'checksum', doc: 'The expected digest of a remote source (`sha256:…`); the build fails when it differs.', value: 'sha256:${1:digest}' },
      { name: 'keep-git-dir', doc: 'For a git source, keep the `.git` directory.' },
      { name: 'unpack', doc: 'Whether to unpack an archive source (default: true for local archives, false for URLs).', value: '${1|true,false|}' },
      chown,
      chmod,
      link,
      exclude,
    ],
  },
  {
    name: 'ENV',
    syntax: 'ENV <key>=<value> …',
    doc: 'Sets environment variables for the rest of the stage and for the container. Values persist in the image: never put secrets here.',
    snippet: '${1:KEY}=${2:value}',
    flags: [],
  },
  {
    name: 'ARG',
    syntax: 'ARG <name>[=<default>] …',
    doc: 'Declares a build argument (`--build-arg`). Before the first FROM it is global and serves FROM lines; inside a stage it must be declared again to be visible. Values show in the image history: not for secrets.',
    snippet: '${1:NAME}${2:=${3:default}}',
    flags: [],
  },
  { name: 'LABEL', syntax: 'LABEL <key>=<value> …', doc: 'Adds metadata to the image (`org.opencontainers.image.*` keys are the standard ones).', snippet: '${1:key}="${2:value}"', flags: [] },
  { name: 'EXPOSE', syntax: 'EXPOSE <port>[/<protocol>] …', doc: 'Documents the ports the container listens on (tcp by default, or udp). It publishes nothing: `run -p` does.', snippet: '${1:80}', flags: [] },
  { name: 'VOLUME', syntax: 'VOLUME ["/data"] | /data …', doc: 'Marks paths as volumes: each container gets a fresh volume there. Changes a RUN makes there afterwards are discarded.', snippet: '${1:/data}', flags: [] },
  { name: 'WORKDIR', syntax: 'WORKDIR <path>', doc: 'Sets the working directory for the following instructions and the container, creating it if needed. Use an absolute path.', snippet: '${1:/app}', flags: [] },
  { name: 'USER', syntax: 'USER <user>[:<group>]', doc: 'The user (and group) the following RUN, CMD and ENTRYPOINT run as.', snippet: '${1:user}', flags: [] },
  { name: 'SHELL', syntax: 'SHELL ["executable", "parameters"]', doc: 'The shell for shell-form instructions (default `["/bin/sh", "-c"]`).', snippet: '["${1:/bin/bash}", "${2:-o}", "${3:pipefail}", "-c"]', flags: [] },
  { name: 'STOPSIGNAL', syntax: 'STOPSIGNAL <signal>', doc: 'The signal `stop` sends to end the container (default SIGTERM).', snippet: '${1:SIGTERM}', flags: [] },
  {
    name: 'HEALTHCHECK',
    syntax: 'HEALTHCHECK [--interval=…] [--timeout=…] [--start-period=…] [--start-interval=…] [--retries=…] CMD <command> | NONE',
    doc: 'How to tell whether the container still works: the command runs periodically and exit 0 means healthy. `NONE` disables a check inherited from the base.',
    snippet: '${1:--interval=30s }CMD ${2:command}',
    flags: [
      { name: 'interval', doc: 'Time between checks (default 30s).', value: '${1:30s}' },
      { name: 'timeout', doc: 'A check taking longer fails (default 30s).', value: '${1:30s}' },
      { name: 'start-period', doc: 'Start-up time during which failures do not count (default 0s).', value: '${1:5s}' },
      { name: 'start-interval', doc: 'Time between checks during the start period (default 5s).', value: '${1:5s}' },
      { name: 'retries', doc: 'Consecutive failures before the container is unhealthy (default 3).', value: '${1:3}' },
    ],
  },
  { name: 'ONBUILD', syntax: 'ONBUILD <instruction>', doc: 'An instruction to run later, when another build uses this image as its base.', snippet: '${1:RUN} ${2:command}', flags: [] },
  { name: 'MAINTAINER', syntax: 'MAINTAINER <name>', doc: 'Deprecated: use `LABEL org.opencontainers.image.authors="…"`.', snippet: '${1:name}', flags: [] },
];

export interface DirectiveDoc {
  readonly name: string;
  readonly doc: string;
  readonly snippet: string;
}

export const directives: readonly DirectiveDoc[] = [
  { name: 'syntax', doc: 'The frontend image that parses this Dockerfile (e.g. `docker/dockerfile:1`). Must come first; Berth parses with its own BuildKit-compatible parser either way.', snippet: 'syntax=${1:docker/dockerfile:1}' },
  { name: 'escape', doc: 'The escape and line-continuation character: `\\` (default) or `` ` `` (handy on Windows paths).', snippet: 'escape=${1|\\\\,`|}' },
  { name: 'check', doc: 'Configures the build checks: `skip=Rule1,Rule2` (or `all`), `error=true` to fail the build on a violation, `experimental=all`.', snippet: 'check=${1|skip=,error=true,experimental=all|}' },
];

export const instructionByName = new Map(instructions.map((i) => [i.name, i]));

export function instructionUrl(name: string): string {
  return `${REFERENCE}#${name.toLowerCase()}`;
}

/** Markdown for an instruction's hover. */
export function instructionMarkdown(doc: InstructionDoc): string {
  return `**${doc.name}**\n\n\`\`\`\n${doc.syntax}\n\`\`\`\n\n${doc.doc}\n\n[Reference](${instructionUrl(doc.name)})`;
}

/** The automatic platform args every FROM may use, and stages may declare. */
export const predefinedArgs = ['BUILDPLATFORM', 'BUILDOS', 'BUILDARCH', 'BUILDVARIANT', 'TARGETPLATFORM', 'TARGETOS', 'TARGETARCH', 'TARGETVARIANT', 'TARGETSTAGE'];
