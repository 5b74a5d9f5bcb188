/**
 * `berth.registries.insecure`: the registries (host[:port]) the user lets Berth reach over
 * plain HTTP or with an unverified certificate — Docker's `insecure-registries`. Loopback
 * registries need no entry (the runtime allows them); everything else is TLS-verified
 * unless listed here. Read at each call, so a changed setting applies at once.
 */
import * as vscode from 'vscode';

export function isInsecureRegistry(registry: string): boolean {
  const listed = vscode.workspace.getConfiguration('berth').get<unknown>('registries.insecure');
  return Array.isArray(listed) && listed.some((entry) => typeof entry === 'string' && entry.trim() === registry);
}
