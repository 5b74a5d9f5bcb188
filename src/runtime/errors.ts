/**
 * The closed set of error kinds the runtime returns (modelled on containerd's errdefs).
 *
 * Every failure that reaches a person is a BerthError: `code` is for programs (the CLI
 * maps it to an exit status, the extension picks an action), `message` is a sentence for
 * people — what happened, where, and how to fix it — and `cause` keeps the low-level error.
 */
export type ErrorCode =
  | 'not-found'
  | 'already-exists'
  | 'invalid-argument'
  | 'failed-precondition'
  | 'conflict'
  | 'unavailable'
  | 'permission-denied'
  | 'unauthorized'
  | 'canceled'
  | 'internal';

export class BerthError extends Error {
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'BerthError';
    this.code = code;
  }
}

export function isBerthError(err: unknown, code?: ErrorCode): err is BerthError {
  return err instanceof BerthError && (code === undefined || err.code === code);
}

/** Node's system errors carry `code` (ENOENT, EEXIST…); this reads it without casts at call sites. */
export function errnoCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** EACCES or EPERM: the caller may not touch the file (rootless: not as this user). */
export function isPermissionDenied(err: unknown): boolean {
  const code = errnoCode(err);
  return code === 'EACCES' || code === 'EPERM';
}

export const notFound = (message: string, cause?: unknown) => new BerthError('not-found', message, { cause });
export const invalidArgument = (message: string, cause?: unknown) => new BerthError('invalid-argument', message, { cause });
export const conflict = (message: string, cause?: unknown) => new BerthError('conflict', message, { cause });
export const failedPrecondition = (message: string, cause?: unknown) =>
  new BerthError('failed-precondition', message, { cause });
