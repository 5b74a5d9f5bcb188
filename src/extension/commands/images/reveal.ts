/** Shows an image the command just made (tagged, loaded, built, pulled) in the Images view. */
import type { CommandContext } from '../context';

export async function revealImage(ctx: Pick<CommandContext, 'model' | 'imagesView' | 'imagesTree'>, ref: string): Promise<void> {
  await ctx.model.refresh();
  const node = ctx.imagesView.find(ref);
  // Best effort: a view that was never shown cannot reveal, and the work is done anyway.
  if (node) await ctx.imagesTree.reveal(node, { select: true, focus: false }).then(undefined, () => undefined);
}
