/**
 * BuildKit's `Node.Dump()` format, which the conformance vectors' `result` files hold:
 * one `(keyword ["--flags"] "args"…)` line per instruction, strings Go-quoted.
 */
import type { Node } from '../../src/runtime/build/dockerfile/ast';
import { goQuote } from '../../src/runtime/build/dockerfile/chars';
import { isKnownInstruction } from '../../src/runtime/build/dockerfile/line-parsers';

export function dumpNode(node: Node): string {
  let out = node.instruction;
  if (node.flags.length > 0) out += ` [${node.flags.map((f) => goQuote(f.text)).join(' ')}]`;
  // BuildKit keeps one empty argument for keywords it does not know.
  if (!isKnownInstruction(node.instruction)) out += ' ""';
  if (node.trigger) out += ` (${dumpNode(node.trigger)})`;
  for (const arg of node.args) out += ` ${goQuote(arg.value)}`;
  return out.trim();
}

export function dump(nodes: readonly Node[]): string {
  return nodes.map((n) => `(${dumpNode(n)})\n`).join('');
}
