/** docker's "Are you sure you want to continue? [y/N]" for destructive prunes without -f. */
import { ParsedArgs, bool } from '../args';
import { Context } from '../command';

/** True with `-f/--force`, else when the user answers yes. */
export async function confirmed(ctx: Context, args: ParsedArgs, warning: string): Promise<boolean> {
  return bool(args, 'force') || confirm(ctx, warning);
}

async function confirm(ctx: Context, warning: string): Promise<boolean> {
  ctx.stdout.write(`${warning}\nAre you sure you want to continue? [y/N] `);
  const answer = await readLine(ctx.stdin);
  return /^y(es)?$/i.test(answer.trim());
}

export function readLine(input: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (text.includes('\n')) done();
    };
    const done = () => {
      input.removeListener('data', onData);
      input.removeListener('end', done);
      input.removeListener('error', done);
      input.pause();
      resolve(text.split('\n')[0]);
    };
    input.on('data', onData);
    input.on('end', done);
    input.on('error', done);
    input.resume();
  });
}
