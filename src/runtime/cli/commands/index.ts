/**
 * Every verb, by the names people type: docker's top-level verbs and its management
 * forms (`berth container ls`, `berth image rm`), which are the same Command objects.
 */
import { Command } from '../command';
import { containerPrune, kill, pause, ps, restart, rm, stop, unpause, wait } from './containers';
import { build, builderPrune } from './build';
import { cp } from './cp';
import { history, imagePrune, images, rmi, tag } from './images';
import { commit, importImage, load, save } from './archives';
import { containerInspect, imageInspect, inspect } from './inspect';
import { diff, events, logs, stats, top } from './observe';
import { layersCommand } from './layers';
import { lintCommand } from './lint';
import { login, logout, pull, push } from './registry';
import { attach, create, exec, run, start } from './run';
import { info, version } from './system';

export interface Group {
  summary: string;
  /** The first name of a command is the one the group's help lists. */
  commands: Record<string, Command>;
}

export const COMMANDS: Record<string, Command> = {
  attach, build, commit, cp, create, diff, events, exec, history, images, import: importImage, info, inspect, kill, layers: layersCommand, lint: lintCommand, load, login, logout, logs,
  pause, ps, pull, push, restart, rm, rmi, run, save, start, stats, stop, tag, top, unpause, version, wait,
};

export const GROUPS: Record<string, Group> = {
  builder: {
    summary: 'Manage builds',
    commands: { prune: builderPrune },
  },
  container: {
    summary: 'Manage containers',
    commands: {
      attach, commit, cp, create, diff, exec, inspect: containerInspect, kill, logs, ls: ps, ps, list: ps, pause, prune: containerPrune,
      restart, rm, remove: rm, run, start, stats, stop, top, unpause, wait,
    },
  },
  image: {
    summary: 'Manage images',
    commands: { build, history, import: importImage, inspect: imageInspect, layers: layersCommand, load, ls: images, list: images, prune: imagePrune, pull, push, rm: rmi, remove: rmi, save, tag },
  },
};
