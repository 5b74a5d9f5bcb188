/**
 * Build-time variable expansion of typed instructions, BuildKit's `Expand` methods: which
 * values of which instruction are expanded, and with what. The caller passes the
 * variables in scope just before the instruction.
 *
 * Expanded: ENV and LABEL keys and values; COPY/ADD sources, destination, --chown,
 * --chmod (ADD --checksum too) and unquoted heredoc bodies (quotes left alone); WORKDIR;
 * USER; VOLUME; STOPSIGNAL; RUN --mount values; EXPOSE (split into words too); ARG
 * defaults. Never expanded: RUN/CMD/ENTRYPOINT/SHELL/HEALTHCHECK commands (the shell does
 * that at run time), ONBUILD, MAINTAINER, and COPY --from (a variable there is an error).
 */

import type { Flag, Word } from './ast';
import { diagnostic, type Diagnostic } from './diagnostics';
import type { InlineFile, Instruction, KeyValue, RunMount } from './instructions';
import { parseMount, type Parsed } from './run-options';
import { emptyEnv, processWord, processWords, type ShellEnv, type ShellLexOptions } from './shell';
import type { Range } from './source';

/** Text the lexer would return unchanged: no `$`, no quotes, no escape token. */
function isLiteral(value: string, escapeToken: string): boolean {
  return !/[$'"]/.test(value) && !value.includes(escapeToken);
}

class Expander {
  ok = true;

  constructor(
    private readonly env: ShellEnv,
    private readonly escapeToken: string,
    readonly diagnostics: Diagnostic[],
  ) {}

  private report(message: string, range: Range): undefined {
    this.diagnostics.push(diagnostic('variable-expansion', message, range));
    this.ok = false;
    return undefined;
  }

  text(value: string, range: Range, options: ShellLexOptions = {}): string {
    if (isLiteral(value, options.escapeToken ?? this.escapeToken)) return value;
    const r = processWord(value, this.env, { escapeToken: this.escapeToken, ...options });
    if (r.error) {
      this.report(r.error.message, range);
      return value;
    }
    return r.value;
  }

  word(w: Word): Word {
    return { value: this.text(w.value, w.range), range: w.range };
  }

  words(list: readonly Word[]): Word[] {
    return list.map((w) => this.word(w));
  }

  flag(f: Flag | undefined): Flag | undefined {
    if (!f || f.value === undefined) return f;
    return { ...f, value: this.text(f.value, f.valueRange ?? f.range) };
  }

  pairs(list: readonly KeyValue[]): KeyValue[] {
    return list.map((p) => ({ key: this.word(p.key), value: this.word(p.value), legacy: p.legacy }));
  }

  /** Heredoc bodies expand with `\` as the escape and quotes kept as text. */
  files(list: readonly InlineFile[]): InlineFile[] {
    return list.map((f) =>
      f.expand ? { ...f, data: this.text(f.data, f.heredoc.bodyRange, { escapeToken: '\\', skipProcessQuotes: true }) } : f,
    );
  }

  mounts(list: readonly RunMount[]): RunMount[] {
    return list.map((m) => {
      const range = m.flag.valueRange ?? m.flag.range;
      const expand = (v: string): Parsed<string> => {
        const r = processWord(v, this.env, { escapeToken: this.escapeToken });
        return r.error ? { error: r.error.message } : { value: r.value };
      };
      const parsed = parseMount(m.flag.value ?? '', expand);
      if ('error' in parsed) {
        this.diagnostics.push(diagnostic('invalid-mount', parsed.error, range));
        this.ok = false;
        return m;
      }
      return { flag: m.flag, mount: parsed.value };
    });
  }

  /** EXPOSE: each word expands and splits (`EXPOSE $PORTS`). */
  split(list: readonly Word[]): Word[] {
    const out: Word[] = [];
    for (const w of list) {
      const r = processWords(w.value, this.env, { escapeToken: this.escapeToken });
      if (r.error) this.report(r.error.message, w.range);
      else for (const value of r.words) out.push({ value, range: w.range });
    }
    return out;
  }

  /** COPY --from names a stage or an image, never through a variable. */
  fromFlag(f: Flag | undefined): Flag | undefined {
    if (!f || f.value === undefined) return f;
    const r = processWord(f.value, emptyEnv, { escapeToken: this.escapeToken });
    if (r.error || r.value !== f.value) {
      this.report(
        'variable expansion is not supported for --from, define a new stage with FROM using ARG from global scope as a workaround',
        f.valueRange ?? f.range,
      );
    }
    return f;
  }
}

/**
 * The instruction with its build-time variables expanded, or undefined when an expansion
 * failed (reported). ARG is left to the caller, which expands defaults one by one.
 */
export function expandInstruction(instruction: Instruction, env: ShellEnv, escapeToken: string, diagnostics: Diagnostic[]): Instruction | undefined {
  const x = new Expander(env, escapeToken, diagnostics);
  const out = expandWith(x, instruction);
  return x.ok ? out : undefined;
}

function expandWith(x: Expander, i: Instruction): Instruction {
  switch (i.kind) {
    case 'env':
    case 'label':
      return { ...i, pairs: x.pairs(i.pairs) };
    case 'copy':
      return {
        ...i,
        from: x.fromFlag(i.from),
        chown: x.flag(i.chown),
        chmod: x.flag(i.chmod),
        sources: x.words(i.sources),
        destination: x.word(i.destination),
        contents: x.files(i.contents),
      };
    case 'add':
      return {
        ...i,
        chown: x.flag(i.chown),
        chmod: x.flag(i.chmod),
        checksum: x.flag(i.checksum),
        sources: x.words(i.sources),
        destination: x.word(i.destination),
        contents: x.files(i.contents),
      };
    case 'workdir':
      return { ...i, path: x.word(i.path) };
    case 'user':
      return { ...i, user: x.word(i.user) };
    case 'volume':
      return { ...i, paths: x.words(i.paths) };
    case 'stopsignal':
      return { ...i, signal: x.word(i.signal) };
    case 'run':
      return { ...i, mounts: x.mounts(i.mounts) };
    case 'expose':
      return { ...i, ports: x.split(i.ports) };
    default:
      return i;
  }
}
