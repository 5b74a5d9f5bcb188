/**
 * `.dockerignore` and `COPY --exclude` patterns, with Docker's rules (moby's
 * patternmatcher): one pattern a line, `#` comments, paths cleaned and taken from the
 * context root (a leading `/` is dropped), `*` and `?` never cross a `/`, `**` matches any
 * number of directories, `[...]` classes and `\` escapes as in Go's filepath.Match. A path
 * is excluded when the last pattern matching it or one of its parent directories is not a
 * `!` exception.
 */
import * as path from 'node:path';

interface Pattern {
  regexp: RegExp;
  exclusion: boolean;
  /** The pattern's directory part has no wildcard: used to skip whole directories early. */
  text: string;
}

export class PathMatcher {
  private readonly patterns: Pattern[];
  readonly hasExclusions: boolean;

  constructor(lines: readonly string[]) {
    this.patterns = [];
    for (const raw of lines) {
      let line = raw.trim();
      if (line === '' || line.startsWith('#')) continue;
      const exclusion = line.startsWith('!');
      if (exclusion) line = line.slice(1).trim();
      if (line === '') continue;
      let cleaned = path.posix.normalize(line);
      while (cleaned.startsWith('/')) cleaned = cleaned.slice(1);
      if (cleaned.endsWith('/')) cleaned = cleaned.slice(0, -1);
      if (cleaned === '' || cleaned === '.') cleaned = '.';
      this.patterns.push({ regexp: toRegExp(cleaned), exclusion, text: cleaned });
    }
    this.hasExclusions = this.patterns.some((p) => p.exclusion);
  }

  static parse(text: string): PathMatcher {
    return new PathMatcher(text.split(/\r?\n/));
  }

  get empty(): boolean {
    return this.patterns.length === 0;
  }

  /** `rel`: a path relative to the root, `/`-separated, no leading `./`. */
  excludes(rel: string): boolean {
    const parents = parentPaths(rel);
    let excluded = false;
    for (const p of this.patterns) {
      if (p.exclusion !== excluded) continue;
      if (p.regexp.test(rel) || parents.some((dir) => p.regexp.test(dir))) excluded = !p.exclusion;
    }
    return excluded;
  }

  /**
   * Whether a walk must enter the excluded directory `rel`: only if an exception might
   * re-include something below it.
   */
  mayIncludeBelow(rel: string): boolean {
    return this.patterns.some((p) => p.exclusion && (p.text.startsWith(`${rel}/`) || /[*?[\\]/.test(p.text)));
  }
}

function parentPaths(rel: string): string[] {
  const parts = rel.split('/');
  const out: string[] = [];
  for (let i = 1; i < parts.length; i++) out.push(parts.slice(0, i).join('/'));
  return out;
}

function toRegExp(pattern: string): RegExp {
  let re = '^';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        i++;
        // `**/` matches zero or more directories; a trailing `**` everything.
        if (pattern[i + 1] === '/') {
          i++;
          re += '(?:.*/)?';
        } else {
          re += '.*';
        }
      } else {
        re += '[^/]*';
      }
    } else if (c === '?') {
      re += '[^/]';
    } else if (c === '\\' && i + 1 < pattern.length) {
      re += escapeRegExp(pattern[++i]);
    } else if (c === '[') {
      const end = pattern.indexOf(']', i + 2);
      if (end < 0) {
        re += '\\[';
        continue;
      }
      let body = pattern.slice(i + 1, end);
      if (body.startsWith('^') || body.startsWith('!')) body = `^${body.slice(1)}`;
      re += `[${body.replace(/\\(?!.)/g, '\\\\')}]`;
      i = end;
    } else {
      re += escapeRegExp(c);
    }
  }
  return new RegExp(`${re}$`);
}

function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Go's filepath.Match for one COPY source pattern against a whole relative path. */
export function matchGlob(pattern: string, rel: string): boolean {
  return toRegExp(pattern).test(rel);
}

export function hasGlob(pattern: string): boolean {
  return /[*?[]/.test(pattern);
}
