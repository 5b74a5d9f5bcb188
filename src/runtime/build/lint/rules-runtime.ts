/**
 * Checks only an integrated runtime can make: it has the image store and the build
 * context at hand. Silent when the port lacks the role they need.
 */

import type { Flag, Stage } from '../dockerfile/dockerfile';
import { contextSources, isImageReference, suggest } from './helpers';
import type { LintRule, RuleContext } from './rule';

const baseImageNotLocal: LintRule = {
  code: 'BaseImageNotLocal',
  origin: 'berth',
  severity: 'information',
  description: 'The base image is not in the local store',
  explanation: 'The build will pull this image first (or fail offline). `berth pull`/`berth load` it beforehand to build offline; hover the name to see what the store has.',
  check(ctx, report) {
    if (!ctx.port.images) return;
    for (const stage of ctx.model.stages) {
      if (stage.baseStage !== undefined || !isImageReference(stage.base) || !ctx.images.has(stage.base) || ctx.images.get(stage.base)) continue;
      report(stage.from.image.range, `Image ${stage.base} is not in the local store: the build will have to pull it`);
    }
  },
};

const copySourceMissing: LintRule = {
  code: 'CopySourceMissing',
  origin: 'berth',
  severity: 'error',
  description: 'A COPY or ADD source matches nothing in the build context',
  explanation: 'The build will stop at this instruction with "not found". Check the path: sources are relative to the build context (the Dockerfile\'s folder by default), never to the Dockerfile itself.',
  async check(ctx, report) {
    const context = ctx.port.context;
    if (!context) return;
    for (const { instruction, source } of contextSources(ctx)) {
      if (!(await context.exists(source.value))) report(source.range, `${instruction.node.keyword.toUpperCase()} source "${source.value}" matches nothing in the build context`);
    }
  },
};

/** `--from` of COPY and `from=` of RUN --mount, with the stage they appear in. */
function fromReferences(ctx: RuleContext): { stage: Stage; value: string; flag: Flag }[] {
  const out: { stage: Stage; value: string; flag: Flag }[] = [];
  for (const stage of ctx.model.stages) {
    for (const step of stage.steps) {
      const i = step.instruction;
      if (i.kind === 'copy' && i.from?.value) out.push({ stage, value: i.from.value, flag: i.from });
      if (i.kind === 'run') for (const m of i.mounts) if (m.mount?.from) out.push({ stage, value: m.mount.from, flag: m.flag });
    }
  }
  return out;
}

const unknownStage: LintRule = {
  code: 'UnknownStage',
  origin: 'berth',
  severity: 'warning',
  description: '--from names no earlier stage, so it is taken as an image',
  explanation:
    'COPY --from and RUN --mount from= take a stage name, a stage number or an image. A name that is not a stage of this file is pulled as an image — usually a typo of a stage name, or a stage defined further down (stages must come first).',
  async check(ctx, report) {
    const stages = ctx.model.stages;
    for (const { stage, value, flag } of fromReferences(ctx)) {
      if (value.includes('$')) continue;
      if (/^\d+$/.test(value)) {
        if (Number(value) >= stage.index) report(flag.range, `--from=${value}: stage ${value} is not an earlier stage of this file`);
        continue;
      }
      const named = stages.find((s) => s.name === value.toLowerCase());
      if (named && named.index < stage.index) continue;
      if (named) {
        report(flag.range, `--from=${value} names a stage that comes later; stages must be defined before they are used`);
        continue;
      }
      // Image-looking references (registry, tag, digest) are meant as images.
      if (/[/:@.]/.test(value)) continue;
      if (ctx.port.images && (await ctx.port.images.image(value))) continue;
      const hint = suggest(value, stages.slice(0, stage.index).flatMap((s) => (s.name ? [s.name] : [])));
      report(flag.range, `--from=${value} names no stage of this file, so it will be pulled as an image${hint ? ` (did you mean ${hint}?)` : ''}`);
    }
  },
};

export const runtimeRules: readonly LintRule[] = [baseImageNotLocal, copySourceMissing, unknownStage];
