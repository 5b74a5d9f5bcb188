/**
 * Best-practice rules in hadolint's spirit: what makes images smaller, builds
 * reproducible and containers safer. Each names the hadolint rule it corresponds to;
 * the shell is read as simple commands (helpers.ts), the depth hadolint's rules look at.
 */

import type { Range, RunInstruction, Stage, Step } from '../dockerfile/dockerfile';
import { findInSource, isImageReference, isRemote, parseImageName, program, runScript, simpleCommands, stageChain, type Program, type SimpleCommand } from './helpers';
import type { Fix, LintRule, RuleContext } from './rule';

const wiki = (id: string) => `https://github.com/hadolint/hadolint/wiki/${id}`;

function practice(rule: Omit<LintRule, 'origin' | 'url'> & { hadolint: string }): LintRule {
  return { origin: 'berth', url: wiki(rule.hadolint), ...rule };
}

interface RunStep {
  readonly stage: Stage;
  readonly step: Step;
  readonly run: RunInstruction;
  /** The RUN's script. */
  readonly script: string;
  readonly commands: readonly SimpleCommand[];
  /** The program each command runs, in the same order. */
  readonly programs: readonly Program[];
}

// Every practice rule walks the RUNs: read their scripts once per lint, not once per rule.
const runsByContext = new WeakMap<RuleContext, RunStep[]>();

/** Every RUN with its simple commands (exec form included: its words are one command). */
function runs(ctx: RuleContext): RunStep[] {
  const known = runsByContext.get(ctx);
  if (known) return known;
  const out: RunStep[] = [];
  for (const stage of ctx.model.stages) {
    for (const step of stage.steps) {
      if (step.instruction.kind !== 'run') continue;
      const script = runScript(step.instruction);
      const commands = simpleCommands(script);
      out.push({ stage, step, run: step.instruction, script, commands, programs: commands.map(program) });
    }
  }
  runsByContext.set(ctx, out);
  return out;
}

/** The programs named `name` with one of `subcommands` as their first non-option argument. */
function invocations(programs: readonly Program[], names: readonly string[], subcommands: readonly string[]): Program[] {
  return programs.filter((p) => names.includes(p.name) && subcommands.includes(p.args.find((a) => !a.startsWith('-')) ?? ''));
}

/** A cache mount on `dir` makes the package manager's cache cheap to keep. */
const cachesDir = (run: RunInstruction, dir: RegExp) => run.mounts.some((m) => m.mount?.type === 'cache' && dir.test(m.mount.target ?? ''));

// What findings point at in a RUN's source; group 1 is where a fix inserts an option.
// Constants, so findInSource compiles each once.
const aptGetInstall = /\bapt-get\b[^&|;\n]*?\b(install)\b/;
const aptInstall = /\bapt(-get)?\b[^&|;\n]*?\binstall\b/;
const aptUpgrade = /\bapt(-get)?\b[^&|;\n]*?\b(dist-|full-)?upgrade\b/;
const apkAdd = /\bapk\b[^&|;\n]*?\b(add)\b/;
const pipInstall = /\bpip3?\b[^&|;\n]*?\b(install)\b/;
const cdCommand = /(?<=^|[\s;&|(])cd(?=\s)/;
const sudoCommand = /\bsudo\b/;
const wgetCommand = /\bwget\b/;
const pipe = /[^|]\|[^|]/;

/** An edit inserting `text` after the first match of `re`'s group 1 in the RUN. */
function insertAfter(ctx: RuleContext, run: RunInstruction, re: RegExp, text: string, title: string): Fix[] {
  const at = findInSource(ctx, run.node.range, re, 1);
  return at ? [{ title, edits: [{ range: { start: at.end, end: at.end }, newText: text }] }] : [];
}

/** Where a program is named in the RUN, else the RUN's command. */
const commandRange = (ctx: RuleContext, run: RunInstruction, re: RegExp): Range => findInSource(ctx, run.node.range, re) ?? run.node.rest.range;

async function pinFixes(ctx: RuleContext, repository: string, range: Range, current: string | undefined): Promise<Fix[]> {
  const tags = (await ctx.port.images?.tags(repository).catch(() => [])) ?? [];
  return tags.filter((t) => t !== 'latest' && t !== current).map((t) => ({ title: `Pin to ${repository}:${t}`, edits: [{ range, newText: `${repository}:${t}` }] }));
}

/** External base images as written (a FROM naming a stage, scratch or a variable is left alone). */
function externalBases(ctx: RuleContext) {
  return ctx.model.stages.filter((s) => s.baseStage === undefined && isImageReference(s.from.image.value) && s.from.image.value === s.base);
}

const baseImageUntagged = practice({
  code: 'BaseImageUntagged',
  hadolint: 'DL3006',
  severity: 'warning',
  description: 'Always tag the version of an image explicitly',
  explanation: 'An untagged base image means `:latest`, which moves: the same Dockerfile builds something else next month. Pin a tag (or a digest).',
  async check(ctx, report) {
    for (const stage of externalBases(ctx)) {
      const name = parseImageName(stage.base);
      if (name.tag !== undefined || name.digest !== undefined) continue;
      report(stage.from.image.range, `Base image ${stage.base} has no tag: pin a version`, await pinFixes(ctx, name.repository, stage.from.image.range, undefined));
    }
  },
});

const baseImageLatest = practice({
  code: 'BaseImageLatest',
  hadolint: 'DL3007',
  severity: 'warning',
  description: 'Using latest is prone to errors if the image will ever update',
  explanation: '`:latest` names whatever was pushed last, so builds are not reproducible. Pin a version tag (or a digest).',
  async check(ctx, report) {
    for (const stage of externalBases(ctx)) {
      const name = parseImageName(stage.base);
      if (name.tag !== 'latest' || name.digest !== undefined) continue;
      report(stage.from.image.range, `Base image ${stage.base} uses the latest tag: pin a version`, await pinFixes(ctx, name.repository, stage.from.image.range, 'latest'));
    }
  },
});

const aptGetYes = practice({
  code: 'AptGetMissingYes',
  hadolint: 'DL3014',
  severity: 'warning',
  description: 'Use the -y switch to avoid manual input: apt-get -y install <package>',
  explanation: 'A build has no terminal to answer apt-get\'s "Do you want to continue?"; without -y the install aborts.',
  check(ctx, report) {
    for (const { run, programs } of runs(ctx)) {
      for (const { args } of invocations(programs, ['apt-get'], ['install'])) {
        if (args.some((a) => /^(-[a-z]*y[a-z]*|--yes|--assume-yes|-qq|-q=2)$/.test(a))) continue;
        const fixes = insertAfter(ctx, run, aptGetInstall, ' -y', 'Add -y');
        report(commandRange(ctx, run, aptGetInstall), 'apt-get install without -y waits for an answer no build can give', fixes);
      }
    }
  },
});

const aptGetNoInstallRecommends = practice({
  code: 'AptGetNoInstallRecommends',
  hadolint: 'DL3015',
  severity: 'information',
  description: 'Avoid additional packages by specifying --no-install-recommends',
  explanation: 'apt-get installs "recommended" packages too by default, often doubling an image\'s size with things nothing uses.',
  check(ctx, report) {
    for (const { run, programs } of runs(ctx)) {
      for (const { args } of invocations(programs, ['apt-get'], ['install'])) {
        if (args.some((a) => a === '--no-install-recommends' || /Install-Recommends=(false|0)/i.test(a))) continue;
        const fixes = insertAfter(ctx, run, aptGetInstall, ' --no-install-recommends', 'Add --no-install-recommends');
        report(commandRange(ctx, run, aptGetInstall), 'apt-get install without --no-install-recommends', fixes);
      }
    }
  },
});

const aptListsNotCleaned = practice({
  code: 'AptListsNotCleaned',
  hadolint: 'DL3009',
  severity: 'information',
  description: 'Delete the apt-get lists after installing something',
  explanation: 'apt-get update downloads package lists (tens of MB) into /var/lib/apt/lists; unless the same RUN removes them they stay in the layer. End the RUN with `rm -rf /var/lib/apt/lists/*`, or use a cache mount.',
  check(ctx, report) {
    for (const { run, script, programs } of runs(ctx)) {
      if (invocations(programs, ['apt-get', 'apt'], ['install']).length === 0) continue;
      if (/\brm\b[^&|;\n]*\/var\/lib\/apt\/lists/.test(script) || cachesDir(run, /^\/var\/lib\/apt/)) continue;
      report(commandRange(ctx, run, aptInstall), 'The apt lists stay in the layer: remove /var/lib/apt/lists/* in the same RUN');
    }
  },
});

const aptGetUpgrade = practice({
  code: 'AptGetUpgrade',
  hadolint: 'DL3005',
  severity: 'warning',
  description: 'Do not use apt-get upgrade or dist-upgrade',
  explanation: 'Upgrading inside a build makes the result depend on the day it ran. Use a newer base image instead.',
  check(ctx, report) {
    for (const { run, programs } of runs(ctx)) {
      if (invocations(programs, ['apt-get', 'apt'], ['upgrade', 'dist-upgrade', 'full-upgrade']).length === 0) continue;
      report(commandRange(ctx, run, aptUpgrade), 'apt-get upgrade makes the image depend on the day it was built: use a newer base image');
    }
  },
});

const cdInsteadOfWorkdir = practice({
  code: 'CdInsteadOfWorkdir',
  hadolint: 'DL3003',
  severity: 'warning',
  description: 'Use WORKDIR to switch to a directory',
  explanation: '`cd` lasts only until the end of its RUN; WORKDIR sets the directory for every later instruction and for the container, and documents it.',
  check(ctx, report) {
    for (const { run, programs } of runs(ctx)) {
      if (programs.some((p) => p.name === 'cd')) report(commandRange(ctx, run, cdCommand), 'Use WORKDIR to switch to a directory');
    }
  },
});

const archive = /\.(tar|tar\.gz|tgz|tar\.bz2|tbz2?|tar\.xz|txz|tar\.zst|tzst|gz|bz2|xz)$/i;

const addInsteadOfCopy = practice({
  code: 'AddInsteadOfCopy',
  hadolint: 'DL3020',
  severity: 'warning',
  description: 'Use COPY instead of ADD for files and folders',
  explanation: 'ADD also fetches URLs and unpacks archives; for plain files COPY says what happens and nothing more.',
  check(ctx, report) {
    for (const i of ctx.model.instructions) {
      if (i?.kind !== 'add' || i.sources.length === 0 || i.checksum || i.keepGitDir !== undefined || i.unpack !== undefined) continue;
      if (i.sources.some((s) => isRemote(s.value) || archive.test(s.value) || s.value.includes('$'))) continue;
      const keyword = i.node.keyword;
      const copy = keyword === keyword.toLowerCase() ? 'copy' : 'COPY';
      report(i.node.keywordRange, 'Use COPY instead of ADD for files and folders', [{ title: 'Use COPY', edits: [{ range: i.node.keywordRange, newText: copy }] }]);
    }
  },
});

const lastUserRoot = practice({
  code: 'LastUserRoot',
  hadolint: 'DL3002',
  severity: 'warning',
  description: 'Last USER should not be root',
  explanation: 'The final stage\'s last USER is who the container runs as. Root in a container is root on the host\'s files it can reach; switch to an unprivileged user at the end.',
  check(ctx, report) {
    const last = ctx.model.stages.at(-1);
    const users = last?.steps.filter((s) => s.expanded?.kind === 'user') ?? [];
    const user = users.at(-1)?.expanded;
    if (user?.kind === 'user' && /^(root|0)(:.*)?$/.test(user.user.value)) report(user.user.range, 'The container runs as root: the last USER should not be root');
  },
});

const sudoUsed = practice({
  code: 'SudoUsed',
  hadolint: 'DL3004',
  severity: 'error',
  description: 'Do not use sudo as it leads to unpredictable behavior',
  explanation: 'RUN already runs as the USER in effect; sudo needs a tty and a sudoers setup and behaves differently across images. Switch with USER instead, or use gosu in entrypoints.',
  check(ctx, report) {
    for (const { run, commands } of runs(ctx)) {
      if (commands.some((c) => c.words[0] === 'sudo')) report(commandRange(ctx, run, sudoCommand), 'Do not use sudo: switch users with USER');
    }
  },
});

/** The SHELL in effect for a stage's steps before `step`. */
function shellOf(ctx: RuleContext, stage: Stage, step: Step): readonly string[] | undefined {
  for (const s of stageChain(ctx.model.stages, stage)) {
    const steps = s === stage ? s.steps.slice(0, s.steps.indexOf(step)) : s.steps;
    const shell = steps.filter((st) => st.instruction.kind === 'shell').at(-1)?.instruction;
    if (shell?.kind === 'shell') return shell.shell.map((w) => w.value);
  }
  return undefined;
}

const pipefailMissing = practice({
  code: 'PipefailMissing',
  hadolint: 'DL4006',
  severity: 'warning',
  description: 'Set the SHELL option -o pipefail before RUN with a pipe in it',
  explanation: 'A pipeline\'s status is its last command\'s: `curl … | tar x` succeeds when curl fails. `SHELL ["/bin/sh", "-o", "pipefail", "-c"]` (or `set -o pipefail` in the RUN) makes the build stop.',
  check(ctx, report) {
    for (const { stage, step, run, script, commands } of runs(ctx)) {
      if (!run.command.prependShell || !commands.some((c) => c.next === '|')) continue;
      if (/\bset\b[^\n;&|]*\bpipefail\b/.test(script)) continue;
      const shell = shellOf(ctx, stage, step);
      if (shell?.includes('pipefail') || (shell && !/(^|\/)(ba|z|k|a|)sh$/.test(shell[0] ?? ''))) continue;
      report(commandRange(ctx, run, pipe), 'A pipe without pipefail hides the failure of all but its last command');
    }
  },
});

const consecutiveRun = practice({
  code: 'ConsecutiveRun',
  hadolint: 'DL3059',
  severity: 'information',
  description: 'Multiple consecutive RUN instructions. Consider consolidation',
  explanation: 'Each RUN makes a layer; files a later RUN deletes still take space in the earlier one. Consecutive RUNs with the same options can usually be one.',
  check(ctx, report) {
    for (const stage of ctx.model.stages) {
      for (let n = 1; n < stage.steps.length; n++) {
        const [a, b] = [stage.steps[n - 1].instruction, stage.steps[n].instruction];
        if (a.kind !== 'run' || b.kind !== 'run' || !a.command.prependShell || !b.command.prependShell) continue;
        const flags = (r: RunInstruction) => r.node.flags.map((f) => f.text).join(' ');
        if (flags(a) !== flags(b) || a.command.files.length > 0 || b.command.files.length > 0) continue;
        report(b.node.keywordRange, 'Consecutive RUN instructions: consider joining them with &&');
      }
    }
  },
});

const apkNoCache = practice({
  code: 'ApkNoCache',
  hadolint: 'DL3019',
  severity: 'information',
  description: 'Use the --no-cache switch to avoid the need to use --update and remove /var/cache/apk/*',
  explanation: '`apk add` keeps the package index in /var/cache/apk; `--no-cache` fetches it without storing it in the layer.',
  check(ctx, report) {
    for (const { run, script, programs } of runs(ctx)) {
      for (const { args } of invocations(programs, ['apk'], ['add'])) {
        if (args.includes('--no-cache') || cachesDir(run, /^\/var\/cache\/apk/) || /\brm\b[^&|;\n]*\/var\/cache\/apk/.test(script)) continue;
        report(commandRange(ctx, run, apkAdd), 'apk add without --no-cache keeps the index in the layer', insertAfter(ctx, run, apkAdd, ' --no-cache', 'Add --no-cache'));
      }
    }
  },
});

const pipNoCacheDir = practice({
  code: 'PipNoCacheDir',
  hadolint: 'DL3042',
  severity: 'information',
  description: 'Avoid use of cache directory with pip. Use `pip install --no-cache-dir <package>`',
  explanation: 'pip keeps downloaded wheels in ~/.cache/pip, which then ships in the layer. `--no-cache-dir` (or PIP_NO_CACHE_DIR, or a cache mount) avoids it.',
  check(ctx, report) {
    for (const { step, run, programs } of runs(ctx)) {
      if (step.scope.get('PIP_NO_CACHE_DIR') !== undefined || cachesDir(run, /\.cache\/pip|\/pip/)) continue;
      for (const { args } of invocations(programs, ['pip', 'pip3'], ['install'])) {
        if (args.includes('--no-cache-dir')) continue;
        report(commandRange(ctx, run, pipInstall), 'pip install without --no-cache-dir keeps its cache in the layer', insertAfter(ctx, run, pipInstall, ' --no-cache-dir', 'Add --no-cache-dir'));
      }
    }
  },
});

const curlAndWget = practice({
  code: 'CurlAndWget',
  hadolint: 'DL4001',
  severity: 'information',
  description: 'Either use wget or curl but not both',
  explanation: 'Installing and using two download tools costs space for nothing; pick one.',
  check(ctx, report) {
    const all = runs(ctx);
    const uses = (name: string) => all.filter((r) => r.programs.some((p) => p.name === name));
    const [curl, wget] = [uses('curl'), uses('wget')];
    if (curl.length === 0 || wget.length === 0) return;
    for (const r of wget) report(commandRange(ctx, r.run, wgetCommand), 'Both wget and curl are used: pick one');
  },
});

const exposePortRange = practice({
  code: 'ExposePortRange',
  hadolint: 'DL3011',
  severity: 'error',
  description: 'Valid UNIX ports range from 0 to 65535',
  explanation: 'A port number above 65535 does not exist; the build or the run will refuse it.',
  check(ctx, report) {
    for (const stage of ctx.model.stages) {
      for (const step of stage.steps) {
        if (step.expanded?.kind !== 'expose') continue;
        for (const port of step.expanded.ports) {
          const numbers = port.value.replace(/\/.*$/, '').replace(/^.*:/, '').split('-');
          if (numbers.some((n) => /^\d+$/.test(n) && Number(n) > 65535)) report(port.range, `Port ${port.value} is out of range: ports go from 0 to 65535`);
        }
      }
    }
  },
});

const copyDestinationSlash = practice({
  code: 'CopyDestinationSlash',
  hadolint: 'DL3021',
  severity: 'error',
  description: 'COPY with more than 2 arguments requires the last argument to end with /',
  explanation: 'With several sources the destination is a directory, and BuildKit insists it ends with a slash.',
  check(ctx, report) {
    for (const i of ctx.model.instructions) {
      if ((i?.kind !== 'copy' && i?.kind !== 'add') || i.sources.length + i.contents.length < 2) continue;
      const dest = i.destination;
      if (dest.value.endsWith('/') || dest.value.includes('$')) continue;
      report(dest.range, `With several sources the destination must be a directory ending in /: ${dest.value}/`, [
        { title: `Change to ${dest.value}/`, edits: [{ range: { start: dest.range.end, end: dest.range.end }, newText: '/' }] },
      ]);
    }
  },
});

export const practiceRules: readonly LintRule[] = [
  baseImageUntagged,
  baseImageLatest,
  aptGetYes,
  aptGetNoInstallRecommends,
  aptListsNotCleaned,
  aptGetUpgrade,
  cdInsteadOfWorkdir,
  addInsteadOfCopy,
  lastUserRoot,
  sudoUsed,
  pipefailMissing,
  consecutiveRun,
  apkNoCache,
  pipNoCacheDir,
  curlAndWget,
  exposePortRange,
  copyDestinationSlash,
];
