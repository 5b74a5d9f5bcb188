/**
 * The stage model: a Dockerfile as BuildKit's builder sees it before it runs anything.
 *
 * - ARGs before the first FROM are global: they serve FROM lines (image and --platform)
 *   and are visible inside a stage only where the stage declares `ARG NAME` again.
 * - Each FROM opens a stage; `AS name` names it (lowercased, unique). A stage whose base
 *   names an earlier stage starts with that stage's variables; otherwise with the base
 *   image's environment when the caller knows it.
 * - Inside a stage, ENV and ARG add variables in order; every instruction is expanded
 *   (`expand.ts`) with the variables in scope just before it. ENV's pairs all see the
 *   scope before the ENV; ARG's defaults see the ARGs to their left.
 * - `--build-arg` values replace ARG defaults, global or in a stage.
 */

import type { ParseResult } from './ast';
import { toInstruction } from './convert';
import { diagnostic, type Diagnostic } from './diagnostics';
import { expandInstruction } from './expand';
import type { ArgInstruction, FromInstruction, Instruction } from './instructions';
import { parse } from './parser';
import { processWord, type ShellEnv } from './shell';

/** Variables in scope: an immutable chain, so every step can keep its own cheaply. */
export class Scope implements ShellEnv {
  static readonly empty = new Scope(undefined, '', '');

  private constructor(
    private readonly parent: Scope | undefined,
    private readonly key: string,
    private readonly value: string,
  ) {}

  /** From `KEY=value` strings (an image config's Env). */
  static fromList(list: readonly string[]): Scope {
    let scope = Scope.empty;
    for (const entry of list) {
      const eq = entry.indexOf('=');
      scope = eq < 0 ? scope.with(entry, '') : scope.with(entry.slice(0, eq), entry.slice(eq + 1));
    }
    return scope;
  }

  with(key: string, value: string): Scope {
    return new Scope(this, key, value);
  }

  get(name: string): string | undefined {
    for (let s: Scope | undefined = this; s && s.parent; s = s.parent) if (s.key === name) return s.value;
    return undefined;
  }

  /** Every variable with its current value, in order of first definition. */
  entries(): [string, string][] {
    const seen = new Map<string, string>();
    const chain: Scope[] = [];
    for (let s: Scope | undefined = this; s && s.parent; s = s.parent) chain.push(s);
    for (let i = chain.length - 1; i >= 0; i--) seen.set(chain[i].key, chain[i].value);
    return [...seen];
  }
}

export interface Step {
  readonly instruction: Instruction;
  /** The variables in scope just before the instruction. */
  readonly scope: Scope;
  /**
   * The instruction with its variables expanded; undefined when expansion failed. ARG
   * stays as written: the values it resolves to are in the next step's scope.
   */
  readonly expanded: Instruction | undefined;
  /**
   * The variables that expansion (ARG: its defaults') asked for and did not find in
   * scope, so they expanded as unset; in order of first use.
   */
  readonly unresolved: readonly string[];
}

export interface Stage {
  readonly index: number;
  /** `AS name`, lowercased. */
  readonly name: string | undefined;
  readonly from: FromInstruction;
  /** The base with global args expanded: an image reference or an earlier stage's name. */
  readonly base: string;
  /** The earlier stage this one builds on. */
  readonly baseStage: number | undefined;
  /** --platform with global args expanded. */
  readonly platform: string | undefined;
  readonly steps: readonly Step[];
  /** The variables at the end of the stage. */
  readonly scope: Scope;
}

export interface StageModelOptions {
  /** `--build-arg` values. */
  readonly buildArgs?: Readonly<Record<string, string>>;
  /** Predefined global args the builder provides (BUILDPLATFORM, TARGETARCH, TARGETSTAGE…). */
  readonly defaultArgs?: Readonly<Record<string, string>>;
  /** A base image's environment (its config's Env), when known. */
  readonly imageEnv?: (reference: string) => readonly string[] | undefined;
}

export interface DockerfileModel {
  readonly syntax: ParseResult;
  /** Each node's typed instruction, undefined where the node is invalid. */
  readonly instructions: readonly (Instruction | undefined)[];
  readonly globalArgs: readonly ArgInstruction[];
  /** Global args after expansion and --build-arg: what FROM lines see. */
  readonly globalScope: Scope;
  readonly stages: readonly Stage[];
  /** Parser, instruction and stage diagnostics, in that order. */
  readonly diagnostics: readonly Diagnostic[];
}

/** Parses and models a Dockerfile. Never throws. */
export function buildModel(source: string | ParseResult, options: StageModelOptions = {}): DockerfileModel {
  const syntax = typeof source === 'string' ? parse(source) : source;
  const diagnostics: Diagnostic[] = [...syntax.diagnostics];
  const instructions = syntax.nodes.map((n) => toInstruction(n, diagnostics));
  const builder = new StageBuilder(syntax.escapeToken, options, diagnostics);
  instructions.forEach((instruction) => instruction && builder.add(instruction));
  return {
    syntax,
    instructions,
    globalArgs: builder.globalArgs,
    globalScope: builder.globalScope,
    stages: builder.finish(),
    diagnostics,
  };
}

/** What a stage builds on, known from the FROM lines and global args alone. */
export type StageBase = Pick<Stage, 'index' | 'name' | 'from' | 'base' | 'baseStage' | 'platform'>;

/**
 * Each stage's base as `buildModel` resolves it, from the FROM lines and the global ARGs
 * only: what a caller looks up in an image store first, so that one `buildModel` with
 * `imageEnv` is enough (the steps, the bulk of the work, are not modelled here).
 */
export function stageBases(syntax: ParseResult, options: StageModelOptions = {}): readonly StageBase[] {
  const builder = new StageBuilder(syntax.escapeToken, options, []);
  for (const node of syntax.nodes) {
    // The same instructions buildModel opens stages and declares global args with.
    if (node.instruction !== 'from' && (node.instruction !== 'arg' || builder.inStage)) continue;
    const instruction = toInstruction(node, []);
    if (instruction) builder.add(instruction);
  }
  return builder.finish();
}

interface OpenStage {
  index: number;
  name: string | undefined;
  from: FromInstruction;
  base: string;
  baseStage: number | undefined;
  platform: string | undefined;
  steps: Step[];
  scope: Scope;
}

const none: readonly string[] = [];

/**
 * A scope as the lexer's environment, noting the names it is asked for and lacks. One is
 * reused for every step (expansion is synchronous), to spare an object per instruction.
 */
class RecordingEnv implements ShellEnv {
  scope = Scope.empty;
  private missing: string[] | undefined;

  /** Starts a step: looks up in `scope`, nothing missing yet. */
  reset(scope: Scope): this {
    this.scope = scope;
    this.missing = undefined;
    return this;
  }

  get(name: string): string | undefined {
    const value = this.scope.get(name);
    if (value === undefined) {
      if (!this.missing) this.missing = [name];
      else if (!this.missing.includes(name)) this.missing.push(name);
    }
    return value;
  }

  unresolved(): readonly string[] {
    return this.missing ?? none;
  }
}

class StageBuilder {
  readonly globalArgs: ArgInstruction[] = [];
  globalScope: Scope;
  private readonly stages: OpenStage[] = [];
  private readonly byName = new Map<string, number>();
  private readonly buildArgs: ReadonlyMap<string, string>;
  private readonly env = new RecordingEnv();

  constructor(
    private readonly escapeToken: string,
    private readonly options: StageModelOptions,
    private readonly diagnostics: Diagnostic[],
  ) {
    this.buildArgs = new Map(Object.entries(options.buildArgs ?? {}));
    let scope = Scope.empty;
    for (const [k, v] of Object.entries(options.defaultArgs ?? {})) scope = scope.with(k, v);
    this.globalScope = scope;
  }

  /** A FROM has opened a stage: ARGs are no longer global. */
  get inStage(): boolean {
    return this.stages.length > 0;
  }

  add(instruction: Instruction): void {
    const current = this.stages[this.stages.length - 1];
    if (instruction.kind === 'from') {
      this.open(instruction);
    } else if (!current && instruction.kind === 'arg') {
      this.globalArgs.push(instruction);
      this.globalScope = this.declare(instruction, this.globalScope, this.globalScope, false).scope;
    } else if (!current) {
      this.diagnostics.push(
        diagnostic('instruction-before-from', `${instruction.node.keyword.toUpperCase()} comes before any FROM: no build stage in current context`, instruction.node.range),
      );
    } else {
      this.step(current, instruction);
    }
  }

  finish(): Stage[] {
    return this.stages;
  }

  private expandGlobal(value: string, range: FromInstruction['image']['range']): string {
    const r = processWord(value, this.globalScope, { escapeToken: this.escapeToken });
    if (!r.error) return r.value;
    this.diagnostics.push(diagnostic('variable-expansion', r.error.message, range));
    return value;
  }

  private open(from: FromInstruction): void {
    const index = this.stages.length;
    const name = from.name?.value;
    if (name !== undefined && this.byName.has(name)) {
      this.diagnostics.push(diagnostic('duplicate-stage-name', `duplicate stage name "${name}"`, from.name?.range ?? from.node.range));
    } else if (name !== undefined) {
      this.byName.set(name, index);
    }
    const base = this.expandGlobal(from.image.value, from.image.range);
    const platformFlag = from.platform;
    const platform = platformFlag?.value === undefined ? undefined : this.expandGlobal(platformFlag.value, platformFlag.valueRange ?? platformFlag.range);
    const baseStage = this.byName.get(base.toLowerCase());
    const inherited = baseStage !== undefined && baseStage < index ? this.stages[baseStage].scope : undefined;
    const scope = inherited ?? Scope.fromList(this.options.imageEnv?.(base) ?? []);
    this.stages.push({ index, name, from, base, baseStage: inherited ? baseStage : undefined, platform, steps: [], scope });
  }

  private step(stage: OpenStage, instruction: Instruction): void {
    const before = stage.scope;
    if (instruction.kind === 'arg') {
      const declared = this.declare(instruction, before, this.globalScope, true);
      stage.scope = declared.scope;
      stage.steps.push({ instruction, scope: before, expanded: instruction, unresolved: declared.unresolved });
      return;
    }
    const env = this.env.reset(before);
    const expanded = expandInstruction(instruction, env, this.escapeToken, this.diagnostics);
    if (expanded?.kind === 'env') {
      for (const p of expanded.pairs) stage.scope = stage.scope.with(p.key.value, p.value.value);
    }
    stage.steps.push({ instruction, scope: before, expanded, unresolved: env.unresolved() });
  }

  /**
   * Adds an ARG's variables to `scope`: a --build-arg wins, else the default expanded
   * with what is in scope so far, else (inside a stage) the global arg of that name.
   */
  private declare(arg: ArgInstruction, scope: Scope, globals: Scope, inStage: boolean): { scope: Scope; unresolved: readonly string[] } {
    const env = this.env.reset(scope);
    for (const def of arg.args) {
      const key = def.name.value;
      let value = this.buildArgs.get(key);
      if (value === undefined && def.value) {
        const r = processWord(def.value.value, env, { escapeToken: this.escapeToken });
        if (r.error) this.diagnostics.push(diagnostic('variable-expansion', r.error.message, def.value.range));
        else value = r.value;
      }
      if (value === undefined && inStage) value = globals.get(key);
      if (value !== undefined) env.scope = env.scope.with(key, value);
    }
    return { scope: env.scope, unresolved: env.unresolved() };
  }
}
