/**
 * The Dockerfile language, one implementation for the builder and the editor.
 *
 * Three steps, as in BuildKit, each usable alone:
 * 1. `parse` (parser.ts): text to a parse tree of `Node`s, one per instruction, with
 *    parser directives, comments and heredocs. It follows BuildKit's parser exactly (the
 *    conformance vectors compare its dump byte for byte) but never stops at an error.
 * 2. `toInstruction` (convert.ts): a node to a typed `Instruction` (instructions.ts) with
 *    its flags read and checked.
 * 3. `buildModel` (stages.ts): the typed instructions grouped into stages, global ARGs
 *    resolved, and every instruction expanded with the variables in scope (expand.ts,
 *    using the shell-word lexer in shell.ts).
 *
 * Vocabulary: a *logical line* is an instruction's physical lines glued after line
 * continuations; a *word* is a value with the source `Range` it came from (0-based lines,
 * UTF-16 characters: VS Code's positions); a *diagnostic* is a problem with a stable code
 * (diagnostics.ts), a severity and a range. Nothing here throws on any input; only
 * `parseChanges` (change.ts), an API for command lines, throws a BerthError.
 */

export type { Directive, Flag, Heredoc, Node, ParseResult, Word } from './ast';
export { diagnosticCodes, dockerfileError, formatDiagnostic, hasErrors, type Diagnostic, type DiagnosticCode, type Severity } from './diagnostics';
export type { CheckOptions } from './directives';
export { parse } from './parser';
export { toInstruction } from './convert';
export type * from './instructions';
export type { CacheSharing, Device, Mount, MountType, NetworkMode, SecurityMode } from './run-options';
export { buildModel, Scope, stageBases, type DockerfileModel, type Stage, type StageBase, type StageModelOptions, type Step } from './stages';
export { parseChanges, type ChangeOptions, type ConfigChange } from './change';
export { processWord, processWords, type ShellEnv, type ShellLexOptions, type ShellResult, type ShellWordsResult } from './shell';
export type { Position, Range } from './source';
