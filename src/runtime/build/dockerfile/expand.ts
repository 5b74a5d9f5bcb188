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
import { isSpace } from './chars';
import { diagnostic, type Diagnostic } from './diagnostics';
import type { InlineFile, Instruction, KeyValue, RunMount } from './instructions';
import { parseMount, type Parsed } from './run-options';
import { emptyEnv, processWord, processWords, type ShellEnv, type ShellLexOptions } from './shell';
import type { Range } from './source';

/** Text the lexer would return unchanged: no `$`, no quotes, no escape token. */
function isLiteral(value: string, escapeToken: string): boolean {
  const escape = escapeToken.charCodeAt(0);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x24 || c === 0x27 || c === 0x22 || c === escape) return false;
  }
  return true;
}

function hasSpace(value: string): boolean {
  for (let i = 0; i < value.length; i++) if (isSpace(value.charCodeAt(i))) return true;
  return false;
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

  // What expands to itself is returned as it is: most values have no variables, and the
  // model keeps every step's expansion, so copies would only be more for the GC to carry.

  word(w: Word): Word {
    const value = this.text(w.value, w.range);
    return value === w.value ? w : { value, range: w.range };
  }

  words(list: readonly Word[]): readonly Word[] {
    return same(list, list.map((w) => this.word(w)));
  }

  flag(f: Flag | undefined): Flag | undefined {
    if (!f || f.value === undefined) return f;
    const value = this.text(f.value, f.valueRange ?? f.range);
    return value === f.value ? f : { ...f, value };
  }

  pairs(list: readonly KeyValue[]): readonly KeyValue[] {
    return same(
      list,
      list.map((p) => {
        const key = this.word(p.key);
        const value = this.word(p.value);
        return key === p.key && value === p.value ? p : { key, value, legacy: p.legacy };
      }),
    );
  }

  /** Heredoc bodies expand with `\` as the escape and quotes kept as text. */
  files(list: readonly InlineFile[]): readonly InlineFile[] {
    return same(
      list,
      list.map((f) => {
        if (!f.expand) return f;
        const data = this.text(f.data, f.heredoc.bodyRange, { escapeToken: '\\', skipProcessQuotes: true });
        return data === f.data ? f : { ...f, data };
      }),
    );
  }

  mounts(list: readonly RunMount[]): readonly RunMount[] {
    return same(list, list.map((m) => this.mount(m)));
  }

  private mount(m: RunMount): RunMount {
    // Without a variable, quote or escape the typed conversion has read it all already.
    if (isLiteral(m.flag.value ?? '', this.escapeToken)) return m;
    const expand = (v: string): Parsed<string> => {
      const r = processWord(v, this.env, { escapeToken: this.escapeToken });
      return r.error ? { error: r.error.message } : { value: r.value };
    };
    const parsed = parseMount(m.flag.value ?? '', expand);
    if ('error' in parsed) {
      this.diagnostics.push(diagnostic('invalid-mount', parsed.error, m.flag.valueRange ?? m.flag.range));
      this.ok = false;
      return m;
    }
    return { flag: m.flag, mount: parsed.value };
  }

  /** EXPOSE: each word expands and splits (`EXPOSE $PORTS`). */
  split(list: readonly Word[]): readonly Word[] {
    const out: Word[] = [];
    for (const w of list) {
      // A literal word without spaces is one word, itself.
      if (w.value !== '' && isLiteral(w.value, this.escapeToken) && !hasSpace(w.value)) {
        out.push(w);
        continue;
      }
      const r = processWords(w.value, this.env, { escapeToken: this.escapeToken });
      if (r.error) this.report(r.error.message, w.range);
      else for (const value of r.words) out.push({ value, range: w.range });
    }
    return same(list, out);
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
      return withChanges(i, { pairs: x.pairs(i.pairs) });
    case 'copy':
      return withChanges(i, {
        from: x.fromFlag(i.from),
        chown: x.flag(i.chown),
        chmod: x.flag(i.chmod),
        sources: x.words(i.sources),
        destination: x.word(i.destination),
        contents: x.files(i.contents),
      });
    case 'add':
      return withChanges(i, {
        chown: x.flag(i.chown),
        chmod: x.flag(i.chmod),
        checksum: x.flag(i.checksum),
        sources: x.words(i.sources),
        destination: x.word(i.destination),
        contents: x.files(i.contents),
      });
    case 'workdir':
      return withChanges(i, { path: x.word(i.path) });
    case 'user':
      return withChanges(i, { user: x.word(i.user) });
    case 'volume':
      return withChanges(i, { paths: x.words(i.paths) });
    case 'stopsignal':
      return withChanges(i, { signal: x.word(i.signal) });
    case 'run':
      return withChanges(i, { mounts: x.mounts(i.mounts) });
    case 'expose':
      return withChanges(i, { ports: x.split(i.ports) });
    default:
      return i;
  }
}

/** `i` with `changes`, or `i` itself when every change is the value it already has. */
function withChanges<T extends Instruction>(i: T, changes: Partial<T>): T {
  for (const key in changes) if (changes[key] !== i[key]) return { ...i, ...changes };
  return i;
}

/** `list`, unless `mapped` (its image) differs from it. */
function same<T>(list: readonly T[], mapped: readonly T[]): readonly T[] {
  if (mapped.length !== list.length) return mapped;
  for (let k = 0; k < list.length; k++) if (mapped[k] !== list[k]) return mapped;
  return list;
}
