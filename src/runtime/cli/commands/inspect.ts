/**
 * `inspect` (containers first, then images, as docker looks them up), `container inspect`
 * and `image inspect`: a JSON array indented like docker's, or one template line per object.
 */
import { BerthError, isBerthError } from '../../errors';
import { UsageError, bool, str } from '../args';
import { Command, imageApi, line, printError } from '../command';
import { CliEngine } from '../engine-port';
import { parseTemplate } from '../template';

type ObjectType = 'container' | 'image';

function inspectCommand(fixedType: ObjectType | undefined): Command {
  const what = fixedType ?? 'object';
  return {
    usage: `[OPTIONS] ${what.toUpperCase()} [${what.toUpperCase()}...]`,
    summary: fixedType ? `Display detailed information on one or more ${fixedType}s` : 'Return low-level information on containers or images',
    flags: [
      { name: 'format', short: 'f', kind: 'string', description: "Format output using a custom template: 'json' or a Go template" },
      ...(fixedType !== 'image' ? [{ name: 'size', short: 's', kind: 'bool' as const, description: 'Display total file sizes (containers)' }] : []),
      ...(fixedType ? [] : [{ name: 'type', kind: 'string' as const, description: 'Only inspect objects of the given type: container or image' }]),
    ],
    minArgs: 1,
    async run(ctx, args) {
      const type = fixedType ?? objectType(str(args, 'type'));
      const engine = await ctx.engine();
      const objects: unknown[] = [];
      let status = 0;
      for (const ref of args.positionals) {
        try {
          objects.push(await inspectOne(engine, ref, type, bool(args, 'size')));
        } catch (err) {
          printError(ctx, err);
          status = 1;
        }
      }
      const format = str(args, 'format');
      if (format === undefined || format === 'json') {
        line(ctx.stdout, JSON.stringify(objects, null, 4));
      } else {
        const template = parseTemplate(format);
        for (const o of objects) line(ctx.stdout, template.render(o));
      }
      return status;
    },
  };
}

function objectType(type: string | undefined): ObjectType | undefined {
  if (type === undefined || type === 'container' || type === 'image') return type;
  throw new UsageError(`"${type}" is not a valid value for --type (use container or image)`);
}

async function inspectOne(engine: CliEngine, ref: string, type: ObjectType | undefined, size: boolean): Promise<unknown> {
  if (type === 'image') return imageApi(engine, 'inspectImage')(ref);
  try {
    const view = await engine.inspectContainer(ref);
    if (!size) return view;
    const { rw, rootFs } = await imageApi(engine, 'containerSize')(ref);
    return { ...view, SizeRw: rw, SizeRootFs: rootFs };
  } catch (err) {
    if (type === 'container' || !isBerthError(err, 'not-found')) throw err;
  }
  try {
    return await imageApi(engine, 'inspectImage')(ref);
  } catch (err) {
    if (isBerthError(err, 'not-found')) throw new BerthError('not-found', `No such object: ${ref}. List containers with \`berth ps -a\` and images with \`berth images\`.`);
    throw err;
  }
}

export const inspect = inspectCommand(undefined);
export const containerInspect = inspectCommand('container');
export const imageInspect = inspectCommand('image');
