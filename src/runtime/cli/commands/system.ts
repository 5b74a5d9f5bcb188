/** `info` and `version`: what this berth is and what the user has. */
import { str } from '../args';
import { Command } from '../command';
import { CliEngine } from '../engine-port';
import { FORMAT_FLAG, renderObject } from '../output';
import { humanSize } from '../units';

/** A verb that prints one object: described like docker's `info` by default, or per `--format`. */
function factsCommand(summary: string, facts: (engine: CliEngine) => Promise<Record<string, unknown>>): Command {
  return {
    usage: '[OPTIONS]',
    summary,
    flags: [FORMAT_FLAG],
    maxArgs: 0,
    async run(ctx, args) {
      const value = await facts(await ctx.engine());
      const format = str(args, 'format');
      ctx.stdout.write(format === undefined ? describe(value) : renderObject(value, format));
    },
  };
}

export const info = factsCommand('Display system-wide information', (engine) => engine.info());

export const version = factsCommand('Show the berth version information', async (engine) => {
  const v = engine.version();
  return { Client: { Version: v.version, NodeVersion: v.node, Os: v.os, Arch: v.arch } };
});

/**
 * An object as docker's `info` prints itself: `Key: value` lines, nested objects indented
 * under their key, lists joined, sizes (keys ending in Size) in human units. Whatever the
 * engine reports is shown, so a new fact needs no change here.
 */
export function describe(value: Record<string, unknown>, depth = 0): string {
  const pad = ' '.repeat(depth);
  let out = '';
  for (const [key, v] of Object.entries(value)) {
    const label = `${pad}${titleCase(key)}:`;
    if (v && typeof v === 'object' && !Array.isArray(v)) out += `${label}\n${describe(v as Record<string, unknown>, depth + 1)}`;
    else if (Array.isArray(v)) out += `${label} ${v.map((x) => (x && typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ')}\n`;
    else if (typeof v === 'number' && /size$/i.test(key)) out += `${label} ${humanSize(v)}\n`;
    else if (v !== undefined && v !== '') out += `${label} ${String(v)}\n`;
  }
  return out;
}

/** `storeRoot` → `Store Root`, `idMappings` → `Id Mappings`; already-capitalised keys stay. */
function titleCase(key: string): string {
  return key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/^./, (c) => c.toUpperCase());
}
