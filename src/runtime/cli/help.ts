/**
 * `--help` text in docker's layout (cobra's): a usage line, the summary, the other names
 * of the same command, then its options.
 */
import { formatFlagHelp } from './args';
import { Command } from './command';
import { COMMANDS, GROUPS, Group } from './commands';
import { formatTable } from './table';

const GLOBAL_OPTIONS = `Global Options:
      --root string   Store location (default: $BERTH_ROOT, else ~/.local/share/berth;
                      /var/lib/berth for root)
  -v, --version       Print version information and quit
`;

export function topLevelHelp(): string {
  const commands = Object.entries(COMMANDS).sort(([a], [b]) => a.localeCompare(b));
  return [
    'Usage:  berth [OPTIONS] COMMAND',
    '',
    'A daemonless container runtime: docker-like verbs over a local store.',
    '',
    'Management Commands:',
    indent(formatTable(Object.entries(GROUPS).map(([name, group]) => [name, group.summary]))),
    'Commands:',
    indent(formatTable(commands.map(([name, command]) => [name, command.summary]))),
    GLOBAL_OPTIONS,
    "Run 'berth COMMAND --help' for more information on a command.",
    '',
  ].join('\n');
}

export function commandHelp(verbPath: string, target: Command | Group): string {
  if (!('run' in target)) {
    return [
      `Usage:  berth ${verbPath} COMMAND`,
      '',
      target.summary,
      '',
      'Commands:',
      indent(formatTable(Object.entries(target.commands).filter(([name, command]) => primaryName(verbPath, command) === name).map(([name, command]) => [name, command.summary]))),
      `Run 'berth ${verbPath} COMMAND --help' for more information on a command.`,
      '',
    ].join('\n');
  }
  const aliases = pathsOf(target);
  return [
    `Usage:  berth ${verbPath} ${target.usage}`.trimEnd(),
    '',
    target.summary,
    '',
    ...(aliases.length > 1 ? ['Aliases:', `  ${aliases.map((a) => `berth ${a}`).join(', ')}`, ''] : []),
    'Options:',
    formatFlagHelp(target.flags),
    '',
  ].join('\n');
}

/** Every way to name `command`: `container ls, container ps, ps`. */
function pathsOf(command: Command): string[] {
  const paths: string[] = [];
  for (const [groupName, group] of Object.entries(GROUPS)) {
    for (const [name, c] of Object.entries(group.commands)) if (c === command) paths.push(`${groupName} ${name}`);
  }
  for (const [name, c] of Object.entries(COMMANDS)) if (c === command) paths.push(name);
  return paths;
}

/** The first name a group gives a command (`ls` for ps), the one its help lists. */
function primaryName(groupName: string, command: Command): string | undefined {
  return Object.entries(GROUPS[groupName].commands).find(([, c]) => c === command)?.[0];
}

function indent(table: string): string {
  return table
    .split('\n')
    .map((l) => (l ? `  ${l}` : l))
    .join('\n');
}
