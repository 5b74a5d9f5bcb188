/**
 * `berth-container://<container id>/<path in the container>`: the URIs of files inside
 * containers, served by ContainerFileSystem.
 */
import * as vscode from 'vscode';

export const CONTAINER_SCHEME = 'berth-container';

export function containerUri(containerId: string, containerPath: string): vscode.Uri {
  return vscode.Uri.from({ scheme: CONTAINER_SCHEME, authority: containerId, path: containerPath });
}
