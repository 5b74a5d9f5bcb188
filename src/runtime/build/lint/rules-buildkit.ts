/**
 * The checks of `docker build --check`, with BuildKit's names, messages and URLs, so a
 * `# check=skip=…` line and a CI log read the same under Berth and Docker.
 *
 * Where Berth differs: findings point at the word at fault rather than the whole
 * instruction; the experimental checks (CopyIgnoredFile, InvalidDefinitionDescription)
 * run by default, as an editor wants them; InvalidBaseImagePlatform looks at the local
 * store only (Berth never pulls to lint).
 */

import type { FromInstruction, Node, Range, ShellEnv, Stage, Step, Word } from '../dockerfile/dockerfile';
import { expandInstruction } from '../dockerfile/expand';
import { processWord } from '../dockerfile/shell';
import { commentsAbove, contextSources, findInSource, isLower, isUpper, isValidReference, stageChain, suggest } from './helpers';
import type { Fix, LintRule, RuleContext } from './rule';

const docs = (slug: string) => `https://docs.docker.com/go/dockerfile/rule/${slug}/`;

function buildkit(rule: Omit<LintRule, 'origin' | 'severity'> & { severity?: LintRule['severity'] }): LintRule {
  return { origin: 'buildkit', severity: 'warning', ...rule };
}

const replace = (title: string, range: Range, newText: string): Fix => ({ title, edits: [{ range, newText }] });

/** Every FROM with its stage. */
const froms = (ctx: RuleContext): { stage: Stage; from: FromInstruction }[] => ctx.model.stages.map((stage) => ({ stage, from: stage.from }));

/** Variables a reference may use without declaring them: the proxy args BuildKit always passes. */
const proxyArgs = new Set(['HTTP_PROXY', 'http_proxy', 'HTTPS_PROXY', 'https_proxy', 'FTP_PROXY', 'ftp_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy']);

/** Where `$name` / `${name…}` is used inside `range`, else the range itself. */
function variableRange(ctx: RuleContext, range: Range, name: string): Range {
  const escaped = name.replace(/[^A-Za-z0-9_]/g, '\\$&');
  return findInSource(ctx, range, new RegExp(`\\$(?:\\{${escaped}(?![A-Za-z0-9_])|${escaped}(?![A-Za-z0-9_]))`)) ?? range;
}

/** True when every use of the variable in the text gives a default (`${X:-d}`, `${X+alt}`), so unset is intended. */
function alwaysDefaulted(text: string, name: string): boolean {
  const uses = text.match(new RegExp(`\\$\\{?${name}(?![A-Za-z0-9_])(:?[-+])?`, 'g')) ?? [];
  return uses.length > 0 && uses.every((u) => /[-+]$/.test(u));
}

function nodeText(ctx: RuleContext, node: Node): string {
  const { start, end } = node.range;
  return ctx.lines.slice(start.line, end.line + 1).join('\n');
}

/** The global ARG names, declared with or without a default. */
function globalArgNames(ctx: RuleContext): Set<string> {
  return new Set(ctx.model.globalArgs.flatMap((a) => a.args.map((d) => d.name.value)));
}

const stageNameCasing = buildkit({
  code: 'StageNameCasing',
  description: 'Stage names should be lowercase',
  explanation: 'Stage names are case-insensitive: BuildKit lowercases them, so `AS Builder` and `--from=builder` are the same stage. Writing them in lowercase keeps the file honest about that.',
  url: docs('stage-name-casing'),
  check(ctx, report) {
    for (const { from } of froms(ctx)) {
      const word = from.node.args[2];
      if (word && !isLower(word.value)) report(word.range, `Stage name '${word.value}' should be lowercase`, [replace('Lowercase the stage name', word.range, word.value.toLowerCase())]);
    }
  },
});

const fromAsCasing = buildkit({
  code: 'FromAsCasing',
  description: "The 'as' keyword should match the case of the 'from' keyword",
  explanation: "Mixing `FROM` with `as` (or `from` with `AS`) works but reads as a mistake; keep the keyword pair in one case.",
  url: docs('from-as-casing'),
  check(ctx, report) {
    for (const { from } of froms(ctx)) {
      const as = from.node.args[1];
      if (!as || from.node.args.length !== 3) continue;
      const keyword = from.node.keyword;
      const matches = isUpper(keyword) ? isUpper(as.value) : isLower(as.value);
      if (matches) continue;
      const fixed = isUpper(keyword) ? 'AS' : 'as';
      report(as.range, `'${as.value}' and '${keyword}' keywords' casing do not match`, [replace(`Change to '${fixed}'`, as.range, fixed)]);
    }
  },
});

const noEmptyContinuation = buildkit({
  code: 'NoEmptyContinuation',
  description: 'Empty continuation lines will become errors in a future release',
  explanation: 'An empty line inside a line continuation is skipped today, but BuildKit will refuse it in a future release. Remove the empty line, or end the instruction before it.',
  url: docs('no-empty-continuation'),
  check(ctx, report) {
    for (const d of ctx.model.syntax.diagnostics) {
      if (d.code !== 'empty-continuation-line') continue;
      const line = d.range.start.line;
      const whole: Range = { start: { line, character: 0 }, end: { line: line + 1, character: 0 } };
      report(d.range, 'Empty continuation line', [replace('Remove the empty continuation line', whole, '')]);
    }
  },
});

const consistentInstructionCasing = buildkit({
  code: 'ConsistentInstructionCasing',
  description: 'All commands within the Dockerfile should use the same casing (either upper or lower)',
  explanation: 'Instructions are case-insensitive, but a file that mixes `RUN` and `run` is harder to scan. The majority casing of the file wins.',
  url: docs('consistent-instruction-casing'),
  check(ctx, report) {
    const nodes = ctx.model.syntax.nodes;
    const lower = nodes.filter((n) => isLower(n.keyword)).length;
    const upper = nodes.filter((n) => isUpper(n.keyword)).length;
    const majorityLower = lower > upper;
    for (const n of nodes) {
      if (majorityLower ? isLower(n.keyword) : isUpper(n.keyword)) continue;
      const fixed = majorityLower ? n.keyword.toLowerCase() : n.keyword.toUpperCase();
      report(n.keywordRange, `Command '${n.keyword}' should match the case of the command majority (${majorityLower ? 'lowercase' : 'uppercase'})`, [
        replace(`Change to '${fixed}'`, n.keywordRange, fixed),
      ]);
    }
  },
});

const duplicateStageName = buildkit({
  code: 'DuplicateStageName',
  description: 'Stage names should be unique',
  explanation: 'Two stages with one name make `--from=name` and `--target name` ambiguous; BuildKit refuses to build such a file.',
  url: docs('duplicate-stage-name'),
  check(ctx, report) {
    const seen = new Set<string>();
    for (const { stage, from } of froms(ctx)) {
      if (stage.name === undefined || !from.name) continue;
      if (seen.has(stage.name)) report(from.name.range, `Duplicate stage name "${stage.name}", stage names should be unique`);
      seen.add(stage.name);
    }
  },
});

const reservedStageName = buildkit({
  code: 'ReservedStageName',
  description: 'Reserved words should not be used as stage names',
  explanation: '`scratch` (the empty image) and `context` (the build context) already mean something after FROM and --from; a stage with that name shadows them.',
  url: docs('reserved-stage-name'),
  check(ctx, report) {
    for (const { stage, from } of froms(ctx)) {
      if (from.name && (stage.name === 'scratch' || stage.name === 'context')) report(from.name.range, `Stage name should not use the same name as reserved stage "${stage.name}"`);
    }
  },
});

/** Shell-form words that a JSON array could hold unchanged: no shell syntax at all. */
function execForm(command: string): string | undefined {
  if (/[$`|&;<>(){}*?~\\'"#\n]/.test(command) || /\[/.test(command)) return undefined;
  const words = command.trim().split(/\s+/).filter(Boolean);
  return words.length > 0 ? JSON.stringify(words).replace(/","/g, '", "') : undefined;
}

const jsonArgsRecommended = buildkit({
  code: 'JSONArgsRecommended',
  description: 'JSON arguments recommended for ENTRYPOINT/CMD to prevent unintended behavior related to OS signals',
  explanation:
    'In shell form the program runs as a child of `/bin/sh -c`, which does not pass signals on: `docker stop` waits for its timeout and then kills the container. The exec form (`CMD ["prog", "arg"]`) makes the program PID 1. Not reported in a stage that sets SHELL, where the shell form is the point.',
  url: docs('json-args-recommended'),
  check(ctx, report) {
    for (const stage of ctx.model.stages) {
      if (stageChain(ctx.model.stages, stage).some((s) => s.steps.some((st) => st.instruction.kind === 'shell'))) continue;
      for (const { instruction } of stage.steps) {
        if ((instruction.kind !== 'cmd' && instruction.kind !== 'entrypoint') || !instruction.command.prependShell) continue;
        const node = instruction.node;
        const json = execForm(node.rest.value);
        const fixes = json ? [replace('Use the JSON (exec) form', node.rest.range, json)] : [];
        report(node.rest.range, `JSON arguments recommended for ${node.keyword.toUpperCase()} to prevent unintended behavior related to OS signals`, fixes);
      }
    }
  },
});

const maintainerDeprecated = buildkit({
  code: 'MaintainerDeprecated',
  description: 'The MAINTAINER instruction is deprecated, use a label instead to define an image author',
  explanation: 'MAINTAINER sets a field of the image config nothing reads any more. `LABEL org.opencontainers.image.authors="…"` is the standard place.',
  url: docs('maintainer-deprecated'),
  check(ctx, report) {
    for (const node of ctx.model.syntax.nodes) {
      if (node.instruction !== 'maintainer') continue;
      const label = `LABEL org.opencontainers.image.authors=${JSON.stringify(node.rest.value)}`;
      report(node.range, 'Maintainer instruction is deprecated in favor of using label', [replace('Replace with a LABEL', node.range, label)]);
    }
  },
});

const undefinedArgInFrom = buildkit({
  code: 'UndefinedArgInFrom',
  description: 'FROM command must use declared ARGs',
  explanation: 'Only ARGs declared before the first FROM (and the automatic platform args) are visible in FROM lines. An undeclared one expands to the empty string.',
  url: docs('undefined-arg-in-from'),
  check(ctx, report) {
    const declared = globalArgNames(ctx);
    const scope = ctx.model.globalScope;
    for (const { from } of froms(ctx)) {
      const missing = new Set<string>();
      const env: ShellEnv = {
        get(name) {
          const v = scope.get(name);
          if (v === undefined && !declared.has(name)) missing.add(name);
          return v ?? (declared.has(name) ? '' : undefined);
        },
      };
      const escapeToken = ctx.model.syntax.escapeToken;
      processWord(from.image.value, env, { escapeToken });
      if (from.platform?.value !== undefined) processWord(from.platform.value, env, { escapeToken });
      for (const name of missing) {
        const hint = suggest(name, declared);
        report(variableRange(ctx, from.node.range, name), `FROM argument '${name}' is not declared${hint ? ` (did you mean ${hint}?)` : ''}`);
      }
    }
  },
});

const workdirRelativePath = buildkit({
  code: 'WorkdirRelativePath',
  description: 'Relative workdir without an absolute workdir declared within the build can have unexpected results if the base image changes',
  explanation: 'A relative WORKDIR is resolved against the working directory of the base image, which can change under you. Set an absolute WORKDIR first.',
  url: docs('workdir-relative-path'),
  check(ctx, report) {
    const absolute = (p: string) => p.startsWith('/') || /^[A-Za-z]:[\\/]/.test(p);
    for (const stage of ctx.model.stages) {
      const earlier = stageChain(ctx.model.stages, stage).slice(1);
      let seen = earlier.some((s) => s.steps.some((st) => st.expanded?.kind === 'workdir' && absolute(st.expanded.path.value)));
      for (const step of stage.steps) {
        if (step.expanded?.kind !== 'workdir') continue;
        if (absolute(step.expanded.path.value)) seen = true;
        else if (!seen) report(step.expanded.path.range, `Relative workdir "${step.expanded.path.value}" can have unexpected results if the base image changes`);
      }
    }
  },
});

const undefinedVar = buildkit({
  code: 'UndefinedVar',
  description: 'Variables should be defined before their use',
  explanation:
    'A variable that is neither an ENV, an ARG of the stage, nor in the base image environment expands to the empty string. Global ARGs must be declared again inside a stage (`ARG NAME`) to be seen there. Uses with a default (`${NAME:-x}`) are not reported.',
  url: docs('undefined-var'),
  check(ctx, report) {
    const escapeToken = ctx.model.syntax.escapeToken;
    const declaredByStage = new Map<number, Set<string>>();
    for (const stage of ctx.model.stages) {
      const declared = new Set<string>(stage.baseStage === undefined ? [] : declaredByStage.get(stage.baseStage));
      declaredByStage.set(stage.index, declared);
      for (const step of stage.steps) {
        const i = step.instruction;
        const missing = undefinedVariables(step, declared, escapeToken);
        if (missing.size === 0) continue;
        const text = nodeText(ctx, i.node);
        for (const name of missing) {
          if (alwaysDefaulted(text, name)) continue;
          const hint = suggest(name, [...declared, ...step.scope.entries().map(([k]) => k)]);
          report(variableRange(ctx, i.node.range, name), `Usage of undefined variable '$${name}'${hint ? ` (did you mean $${hint}?)` : ''}`);
        }
      }
    }
  },
});

const noNames: ReadonlySet<string> = new Set();

/**
 * The variables a step uses that are neither in its scope nor declared in the stage so far
 * (`declared`: ARGs without a value, ENVs), nor always passed (proxies, PATH). Then adds
 * the names the step declares to `declared`.
 */
function undefinedVariables(step: Step, declared: Set<string>, escapeToken: string): ReadonlySet<string> {
  const i = step.instruction;
  let missing = noNames;
  const env: ShellEnv = {
    get(name) {
      const v = step.scope.get(name);
      if (v !== undefined) return v;
      if (declared.has(name) || proxyArgs.has(name) || name === 'PATH') return '';
      if (missing === noNames) missing = new Set();
      (missing as Set<string>).add(name);
      return undefined;
    },
  };
  if (i.kind === 'arg') {
    for (const def of i.args) {
      // Only a `$` makes the lexer look a name up.
      if (def.value?.value.includes('$')) processWord(def.value.value, env, { escapeToken });
      declared.add(def.name.value);
    }
    return missing;
  }
  // When the model's expansion, with this scope, found every name it looked up, the same
  // lookups follow here with the same values: none is missing. (Not so for ARG, whose
  // defaults the model skips when a --build-arg replaces them.)
  if (step.unresolved.length > 0) expandInstruction(i, env, escapeToken, []);
  if (i.kind === 'env') for (const p of i.pairs) declared.add(p.key.value);
  return missing;
}

const multipleInstructionsDisallowed = buildkit({
  code: 'MultipleInstructionsDisallowed',
  description: 'Multiple instructions of the same type should not be used in the same stage',
  explanation: 'A stage keeps only its last CMD, ENTRYPOINT and HEALTHCHECK; the earlier ones do nothing. Remove them, or merge what they meant into the last one.',
  url: docs('multiple-instructions-disallowed'),
  check(ctx, report) {
    for (const stage of ctx.model.stages) {
      for (const kind of ['cmd', 'entrypoint', 'healthcheck'] as const) {
        const all = stage.steps.filter((s) => s.instruction.kind === kind);
        for (const s of all.slice(0, -1)) {
          report(s.instruction.node.range, `Multiple ${kind.toUpperCase()} instructions should not be used in the same stage because only the last one will be used`);
        }
      }
    }
  },
});

/** `key=value` for a legacy pair, quoting a value with spaces as the legacy form allowed. */
function keyValue(key: Word, value: Word): string {
  const v = value.value;
  const quoted = /^(".*"|'.*')$/s.test(v) || !/\s/.test(v) ? v : `"${v.replace(/["\\]/g, '\\$&')}"`;
  return `${key.value}=${quoted}`;
}

const legacyKeyValueFormat = buildkit({
  code: 'LegacyKeyValueFormat',
  description: 'Legacy key/value format with whitespace separator should not be used',
  explanation: '`ENV key value` sets one variable to everything after the key, spaces included, which surprises readers and cannot set several at once. Use `ENV key=value`.',
  url: docs('legacy-key-value-format'),
  check(ctx, report) {
    for (const i of ctx.model.instructions) {
      if ((i?.kind !== 'env' && i?.kind !== 'label') || !i.pairs.some((p) => p.legacy)) continue;
      const name = i.node.keyword.toUpperCase();
      const fixed = i.pairs.map((p) => keyValue(p.key, p.value)).join(' ');
      report(i.node.range, `"${name} key=value" should be used instead of legacy "${name} key value" format`, [replace('Use key=value', i.node.rest.range, fixed)]);
    }
  },
});

const samePlatform = (a: string, b: string) => {
  const [ao, aa, av] = a.split('/');
  const [bo, ba, bv] = b.split('/');
  return ao === bo && aa === ba && (av === undefined || bv === undefined || av === bv);
};

const invalidBaseImagePlatform = buildkit({
  code: 'InvalidBaseImagePlatform',
  description: 'Base image platform does not match expected target platform',
  explanation: 'The local image the stage would use was made for another platform than the one the stage builds for; RUN steps would fail or need emulation. Berth checks the local store only.',
  url: docs('invalid-base-image-platform'),
  check(ctx, report) {
    for (const { stage, from } of froms(ctx)) {
      const image = ctx.images.get(stage.base);
      const expected = stage.platform && !stage.platform.includes('$') && stage.platform !== '' ? stage.platform : ctx.platform;
      if (image && image.platform !== '' && !samePlatform(image.platform, expected)) {
        report(from.image.range, `Base image ${stage.base} was pulled with platform "${image.platform}", expected "${expected}" for current build`);
      }
    }
  },
});

const redundantTargetPlatform = buildkit({
  code: 'RedundantTargetPlatform',
  description: 'Setting platform to predefined $TARGETPLATFORM in FROM is redundant as this is the default behavior',
  explanation: 'A stage builds for $TARGETPLATFORM unless told otherwise; `--platform=$TARGETPLATFORM` says nothing new.',
  url: docs('redundant-target-platform'),
  check(ctx, report) {
    for (const { from } of froms(ctx)) {
      const flag = from.platform;
      if (!flag || !/^\$(TARGETPLATFORM|\{TARGETPLATFORM\})$/.test(flag.value ?? '')) continue;
      const line = ctx.lines[flag.range.end.line] ?? '';
      const after = line.slice(flag.range.end.character).match(/^[ \t]*/)?.[0].length ?? 0;
      const removal: Range = { start: flag.range.start, end: { line: flag.range.end.line, character: flag.range.end.character + after } };
      report(flag.range, `Setting platform to predefined ${flag.value} in FROM is redundant as this is the default behavior`, [replace('Remove --platform', removal, '')]);
    }
  },
});

// BuildKit's patterns: a key that names a secret as one of its `_`-separated parts.
const secretKey = /(?:_|^)(?:apikey|auth|credential|credentials|key|password|pword|passwd|secret|token)(?:_|$)/i;
const publicKey = /(?:_|^)(?:public)(?:_|$)/i;

const secretsUsedInArgOrEnv = buildkit({
  code: 'SecretsUsedInArgOrEnv',
  description: 'Sensitive data should not be used in the ARG or ENV commands',
  explanation: 'ARG and ENV values stay in the image config and its history, readable by anyone with the image. Pass secrets with `RUN --mount=type=secret` instead.',
  url: docs('secrets-used-in-arg-or-env'),
  check(ctx, report) {
    for (const i of ctx.model.instructions) {
      const keys = i?.kind === 'arg' ? i.args.map((a) => a.name) : i?.kind === 'env' ? i.pairs.map((p) => p.key) : [];
      for (const key of keys) {
        if (secretKey.test(key.value) && !publicKey.test(key.value)) {
          report(key.range, `Do not use ARG or ENV instructions for sensitive data (${i!.node.keyword.toUpperCase()} "${key.value}")`);
        }
      }
    }
  },
});

const invalidDefaultArgInFrom = buildkit({
  code: 'InvalidDefaultArgInFrom',
  description: 'Default value for global ARG results in an empty or invalid base image name',
  explanation: 'With the ARG defaults alone (no --build-arg), the FROM line expands to an empty or malformed image name, so the file cannot build without arguments. Give the ARG a usable default.',
  url: docs('invalid-default-arg-in-from'),
  check(ctx, report) {
    const escapeToken = ctx.model.syntax.escapeToken;
    // Defaults only: what a build without --build-arg sees.
    const defaults = new Map<string, string>(ctx.model.globalScope.entries().filter(([k]) => k.startsWith('TARGET') || k.startsWith('BUILD')));
    const env: ShellEnv = { get: (name) => defaults.get(name) };
    for (const arg of ctx.model.globalArgs) {
      for (const def of arg.args) {
        if (def.value) defaults.set(def.name.value, processWord(def.value.value, env, { escapeToken }).value);
      }
    }
    const stageNames = new Set(ctx.model.stages.map((s) => s.name).filter((n) => n !== undefined));
    for (const { from } of froms(ctx)) {
      if (!from.image.value.includes('$')) continue;
      const r = processWord(from.image.value, env, { escapeToken });
      if (r.error) continue;
      if (r.value === '' || (!stageNames.has(r.value.toLowerCase()) && r.value !== 'scratch' && !isValidReference(r.value))) {
        report(from.image.range, `Default value for ARG ${from.image.value} results in empty or invalid base image name`);
      }
    }
  },
});

const fromPlatformFlagConstDisallowed = buildkit({
  code: 'FromPlatformFlagConstDisallowed',
  description: 'FROM --platform flag should not use a constant value',
  explanation:
    'A constant --platform pins the stage to one platform, so the file cannot build multi-platform images. Use $BUILDPLATFORM (build tools) or leave it out. Not reported when the stage name says the platform (`AS build-arm64`), a pattern for per-platform stages.',
  url: docs('from-platform-flag-const-disallowed'),
  check(ctx, report) {
    for (const { stage, from } of froms(ctx)) {
      const value = from.platform?.value;
      if (value === undefined || value.includes('$') || value === '') continue;
      const [os = '', arch = ''] = value.toLowerCase().split('/');
      if (stage.name && ((os && stage.name.includes(os)) || (arch && stage.name.includes(arch)))) continue;
      report(from.platform!.range, `FROM --platform flag should not use constant value "${value}"`);
    }
  },
});

const copyIgnoredFile = buildkit({
  code: 'CopyIgnoredFile',
  description: 'Attempting to Copy file that is excluded by .dockerignore',
  explanation: 'The source is left out of the build context by .dockerignore, so COPY/ADD will not find it (or copy less than it seems). Remove the pattern from .dockerignore or the source from the instruction.',
  url: docs('copy-ignored-file'),
  async check(ctx, report) {
    const context = ctx.port.context;
    if (!context) return;
    for (const { instruction, source } of contextSources(ctx)) {
      if (await context.ignored(source.value)) {
        const verb = instruction.kind === 'copy' ? 'Copy' : 'Add';
        report(source.range, `Attempting to ${verb} file "${source.value}" that is excluded by .dockerignore`);
      }
    }
  },
});

const invalidDefinitionDescription = buildkit({
  code: 'InvalidDefinitionDescription',
  description:
    'Comment for build stage or argument should follow the format: `# <arg/stage name> <description>`. If this is not intended to be a description comment, add an empty line or comment between the instruction and the comment.',
  explanation:
    'A comment directly above a named stage or an ARG is read as its description (shown by `docker buildx build --call=outline`) and must start with the name. Start it with the name, or separate it with an empty line.',
  url: docs('invalid-definition-description'),
  check(ctx, report) {
    for (const i of ctx.model.instructions) {
      if (!i) continue;
      let name: string | undefined;
      let what = '';
      if (i.kind === 'from' && i.node.args[2]) [name, what] = [i.node.args[2].value, 'build stage'];
      else if (i.kind === 'arg' && i.args.length === 1) [name, what] = [i.args[0].name.value, 'build argument'];
      const first = name === undefined ? undefined : commentsAbove(ctx.model.syntax, i.node.range.start.line)[0];
      if (!first || /^\s*(berth-ignore|check=|syntax=|escape=)/.test(first.value)) continue;
      if (first.value.trim().split(/\s+/)[0] === name) continue;
      report(first.range, `Comment for ${what} should follow the format: \`# ${name} <description>\``);
    }
  },
});

const exposeProtoCasing = buildkit({
  code: 'ExposeProtoCasing',
  description: 'Protocol in EXPOSE instruction should be lowercase',
  explanation: 'Protocols are `tcp` and `udp` (and `sctp`), in lowercase.',
  url: docs('expose-proto-casing'),
  check(ctx, report) {
    for (const i of ctx.model.instructions) {
      if (i?.kind !== 'expose') continue;
      for (const port of i.ports) {
        const slash = port.value.indexOf('/');
        if (slash >= 0 && !isLower(port.value.slice(slash))) {
          report(port.range, `Defined protocol '${port.value}' in EXPOSE instruction should be lowercase`, [replace('Lowercase the protocol', port.range, port.value.toLowerCase())]);
        }
      }
    }
  },
});

const exposeInvalidFormat = buildkit({
  code: 'ExposeInvalidFormat',
  description: 'IP address and host-port mapping should not be used in EXPOSE instruction. This will become an error in a future release',
  explanation: 'EXPOSE documents the ports the container listens on; which host address and port map to them is decided at `run -p` time. Keep only the container port (and protocol).',
  url: docs('expose-invalid-format'),
  check(ctx, report) {
    for (const i of ctx.model.instructions) {
      if (i?.kind !== 'expose') continue;
      for (const port of i.ports) {
        if (!port.value.includes(':')) continue;
        const kept = port.value.slice(port.value.lastIndexOf(':') + 1);
        report(port.range, `EXPOSE instruction should not define an IP address or host-port mapping, found '${port.value}'`, [replace(`Expose only ${kept}`, port.range, kept)]);
      }
    }
  },
});

export const buildkitRules: readonly LintRule[] = [
  stageNameCasing,
  fromAsCasing,
  noEmptyContinuation,
  consistentInstructionCasing,
  duplicateStageName,
  reservedStageName,
  jsonArgsRecommended,
  maintainerDeprecated,
  undefinedArgInFrom,
  workdirRelativePath,
  undefinedVar,
  multipleInstructionsDisallowed,
  legacyKeyValueFormat,
  invalidBaseImagePlatform,
  redundantTargetPlatform,
  secretsUsedInArgOrEnv,
  invalidDefaultArgInFrom,
  fromPlatformFlagConstDisallowed,
  copyIgnoredFile,
  invalidDefinitionDescription,
  exposeProtoCasing,
  exposeInvalidFormat,
];
