/**
 * Typed instructions: what each parse-tree node means, BuildKit's `instructions` package.
 *
 * Values are as written (quotes kept, variables unexpanded) except where BuildKit itself
 * processes them at this step (flags lose their quotes, stage names are lowercased,
 * heredoc sources become inline files). Variable expansion is the stage model's job
 * (`stages.ts`), because it needs the variables in scope.
 *
 * Each instruction keeps its parse-tree node, so every value can be pointed at.
 */

import type { Flag, Heredoc, Node, Word } from './ast';
import type { Range } from './source';
import type { Device, Mount, NetworkMode, SecurityMode } from './run-options';

interface Base {
  readonly node: Node;
}

/** CMD, ENTRYPOINT, RUN and HEALTHCHECK CMD: exec form, or a shell command line. */
export interface CommandLine {
  /**
   * The JSON elements (exec form) or the one shell command (shell form). Empty for
   * `CMD []`/`ENTRYPOINT []`, which clear the image's value.
   */
  readonly args: readonly Word[];
  /** Shell form: the stage's SHELL runs `args[0]`. */
  readonly prependShell: boolean;
  /** Heredocs, which a shell-form RUN feeds to its command. */
  readonly files: readonly InlineFile[];
}

/** A heredoc's content as a file (RUN's script, or a COPY/ADD source). */
export interface InlineFile {
  readonly name: string;
  /** The body; for `<<-` RUN keeps the tabs (its shell strips them), COPY/ADD removes them. */
  readonly data: string;
  readonly chomp: boolean;
  /** Variables in the body are expanded (the terminator word was not quoted). */
  readonly expand: boolean;
  readonly heredoc: Heredoc;
}

export interface FromInstruction extends Base {
  readonly kind: 'from';
  readonly image: Word;
  /** `AS name`, lowercased as BuildKit does. */
  readonly name: Word | undefined;
  readonly platform: Flag | undefined;
}

export interface RunMount {
  readonly flag: Flag;
  /** undefined while the value uses variables (the stage model reads it expanded). */
  readonly mount: Mount | undefined;
}

export interface RunInstruction extends Base {
  readonly kind: 'run';
  readonly command: CommandLine;
  readonly mounts: readonly RunMount[];
  readonly network: NetworkMode;
  readonly security: SecurityMode;
  readonly devices: readonly Device[];
}

export interface CmdInstruction extends Base {
  readonly kind: 'cmd';
  readonly command: CommandLine;
}

export interface EntrypointInstruction extends Base {
  readonly kind: 'entrypoint';
  readonly command: CommandLine;
}

export interface ShellInstruction extends Base {
  readonly kind: 'shell';
  readonly shell: readonly Word[];
}

interface SourcesAndDestination {
  /** Paths, URLs or git references (heredoc markers excepted). */
  readonly sources: readonly Word[];
  /** Heredoc sources, tabs already stripped for `<<-`. */
  readonly contents: readonly InlineFile[];
  readonly destination: Word;
  readonly chown: Flag | undefined;
  readonly chmod: Flag | undefined;
  readonly link: boolean;
  readonly exclude: readonly Flag[];
}

export interface CopyInstruction extends Base, SourcesAndDestination {
  readonly kind: 'copy';
  readonly from: Flag | undefined;
  readonly parents: boolean;
}

export interface AddInstruction extends Base, SourcesAndDestination {
  readonly kind: 'add';
  readonly checksum: Flag | undefined;
  /** undefined when not given (BuildKit's default depends on the source). */
  readonly keepGitDir: boolean | undefined;
  readonly unpack: boolean | undefined;
}

export interface KeyValue {
  readonly key: Word;
  readonly value: Word;
  /** The legacy `ENV key value` form (no `=`). */
  readonly legacy: boolean;
}

export interface EnvInstruction extends Base {
  readonly kind: 'env';
  readonly pairs: readonly KeyValue[];
}

export interface LabelInstruction extends Base {
  readonly kind: 'label';
  readonly pairs: readonly KeyValue[];
}

export interface ArgDefinition {
  readonly name: Word;
  /** The default, as written (quotes kept); undefined for `ARG name`. */
  readonly value: Word | undefined;
}

export interface ArgInstruction extends Base {
  readonly kind: 'arg';
  readonly args: readonly ArgDefinition[];
}

export interface ExposeInstruction extends Base {
  readonly kind: 'expose';
  /** In source order (BuildKit sorts them; the order never matters to the image). */
  readonly ports: readonly Word[];
}

export interface VolumeInstruction extends Base {
  readonly kind: 'volume';
  /** Trimmed paths. */
  readonly paths: readonly Word[];
}

export interface WorkdirInstruction extends Base {
  readonly kind: 'workdir';
  readonly path: Word;
}

export interface UserInstruction extends Base {
  readonly kind: 'user';
  readonly user: Word;
}

export interface StopSignalInstruction extends Base {
  readonly kind: 'stopsignal';
  readonly signal: Word;
}

export interface MaintainerInstruction extends Base {
  readonly kind: 'maintainer';
  readonly maintainer: Word;
}

/** Durations are nanoseconds (the image config's unit); 0 means "the default". */
export interface HealthcheckInstruction extends Base {
  readonly kind: 'healthcheck';
  /** `["NONE"]`, `["CMD", …exec args]` or `["CMD-SHELL", command]`: the image config's Test. */
  readonly test: readonly string[];
  /** The command of `HEALTHCHECK CMD`; undefined for NONE. */
  readonly command: CommandLine | undefined;
  readonly interval: number;
  readonly timeout: number;
  readonly startPeriod: number;
  readonly startInterval: number;
  readonly retries: number;
}

export interface OnbuildInstruction extends Base {
  readonly kind: 'onbuild';
  /** undefined when the trigger is itself invalid (reported as warnings). */
  readonly trigger: Instruction | undefined;
  /** The trigger as stored in the image config (heredoc bodies appended). */
  readonly expression: string;
}

export type Instruction =
  | FromInstruction
  | RunInstruction
  | CmdInstruction
  | EntrypointInstruction
  | ShellInstruction
  | CopyInstruction
  | AddInstruction
  | EnvInstruction
  | LabelInstruction
  | ArgInstruction
  | ExposeInstruction
  | VolumeInstruction
  | WorkdirInstruction
  | UserInstruction
  | StopSignalInstruction
  | MaintainerInstruction
  | HealthcheckInstruction
  | OnbuildInstruction;

/**
 * A part of a word: precise when the word sits on one line as written, else the whole
 * word (a word glued from continuation lines has no single span to cut from).
 */
export function subWord(word: Word, start: number, end: number, value?: string): Word {
  const r = word.range;
  const text = value ?? word.value.slice(start, end);
  if (r.start.line !== r.end.line || r.end.character - r.start.character !== word.value.length) return { value: text, range: r };
  const range: Range = {
    start: { line: r.start.line, character: r.start.character + start },
    end: { line: r.start.line, character: r.start.character + end },
  };
  return { value: text, range };
}
