/**
 * The elements of Berth's trees. Commands get these as their argument when invoked from
 * a view, so they are plain data: a command needs only the id (or reference) inside.
 */
import type * as vscode from 'vscode';
import type { ContainerSummary } from '../../runtime/container/container';
import type { ImageSummary } from '../../runtime/cli/engine-port';

export interface GroupNode {
  kind: 'group';
  view: 'containers' | 'images';
  key: string;
  label: string;
  children: ContainerNode[] | ImageNode[];
}

export interface ContainerNode {
  kind: 'container';
  container: ContainerSummary;
}

/** The Files node under a container, and every file or directory below it. */
export interface FileNode {
  kind: 'file';
  containerId: string;
  uri: vscode.Uri;
  directory: boolean;
}

export interface ImageNode {
  kind: 'image';
  image: ImageSummary;
  /** The tag this row stands for (an image with two tags is two rows); absent = dangling. */
  tag?: string;
}

export type ContainerTreeNode = GroupNode | ContainerNode | FileNode;
export type ImageTreeNode = GroupNode | ImageNode;

/** What a command calls an image by: its tag where the row has one, else its id. */
export function imageRef(node: ImageNode): string {
  return node.tag ?? node.image.id;
}
