/**
 * Where each history entry of an image built by Berth came from: the Dockerfile (an
 * absolute host path) and the lines of the instruction, kept in the image config as the
 * label `dev.berth.dockerfile.lines` — a JSON object from history index (as a string) to
 * `{ file, startLine, endLine }` (1-based, inclusive).
 *
 * Why a label. It lives in the config blob, so it survives save/load, push/pull and any
 * tool that copies images, and every OCI/Docker implementation keeps unknown labels. The
 * alternative, a `comment` on each history entry, is standard too but `docker history`
 * shows it, buildah fills it with its own text, and history entries are part of the
 * build cache's records (their lines would go stale when lines above them move). The
 * label is written once, on the final image, so the cache never sees it; its cost is one
 * extra key in `config.Labels`, which a comparison with another builder (buildah parity)
 * must leave out: drop DOCKERFILE_LINES_LABEL before comparing Labels.
 *
 * Indexes count every history entry, empty ones included, so a label inherited by an
 * image built FROM this one still points at the right entries; Berth copies the base's
 * entries into the derived image's label. Labels come from anywhere, so reading one
 * keeps only well-formed entries.
 */

export const DOCKERFILE_LINES_LABEL = 'dev.berth.dockerfile.lines';

export interface DockerfileLines {
  /** Absolute path of the Dockerfile on the host that built the image. */
  file: string;
  startLine: number;
  endLine: number;
}

/** History index -> where its instruction is; holes for entries with no known source. */
export type HistorySources = (DockerfileLines | undefined)[];

/** The label's value for `sources`, or undefined when no entry has a source. */
export function dockerfileLinesLabel(sources: HistorySources): string | undefined {
  const entries = sources.flatMap((s, i) => (s ? [[String(i), s] as const] : []));
  return entries.length > 0 ? JSON.stringify(Object.fromEntries(entries)) : undefined;
}

/** The sources recorded in `labels`; malformed values and entries are ignored. */
export function readDockerfileLines(labels: Record<string, string> | null | undefined): HistorySources {
  const raw = labels?.[DOCKERFILE_LINES_LABEL];
  if (typeof raw !== 'string') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return [];
  const out: HistorySources = [];
  for (const [key, value] of Object.entries(parsed)) {
    if (!/^\d{1,6}$/.test(key) || !isLines(value)) continue;
    out[Number(key)] = { file: value.file, startLine: value.startLine, endLine: value.endLine };
  }
  return out;
}

const isLine = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 1;

function isLines(x: unknown): x is DockerfileLines {
  if (typeof x !== 'object' || x === null) return false;
  const { file, startLine, endLine } = x as Record<string, unknown>;
  return typeof file === 'string' && file.startsWith('/') && file.length <= 4096 && isLine(startLine) && isLine(endLine) && endLine >= startLine;
}
