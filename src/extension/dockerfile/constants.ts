/** What registration needs before any feature is loaded: kept apart so index.ts stays light. */

export const EXPLAIN_COMMAND = 'berth.dockerfile.explainRule';

/** Pull Image (commands/images/pull.ts): the quick fix for a base image the store lacks. */
export const PULL_COMMAND = 'berth.images.pull';

/** Semantic token types, in the legend's order. */
export const tokenTypes = ['keyword', 'parameter', 'macro', 'class', 'variable', 'string'] as const;

export const COMPLETION_TRIGGERS = ['$', '{', '-', '=', '#'];
