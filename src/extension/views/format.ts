/** Small renderings shared by the views, tooltips and pickers. */
import type { ContainerSummary } from '../../runtime/container/container';

export function shortId(id: string): string {
  return id.replace(/^sha256:/, '').slice(0, 12);
}

export function bytes(size: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = size;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 && unit > 0 ? 1 : 0)} ${units[unit]}`;
}

export function relativeTime(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '';
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  const steps: [number, string][] = [[60, 'second'], [60, 'minute'], [24, 'hour'], [30, 'day'], [12, 'month'], [Infinity, 'year']];
  let value = seconds;
  for (const [size, unit] of steps) {
    if (value < size) return `${value} ${unit}${value === 1 ? '' : 's'} ago`;
    value = Math.floor(value / size);
  }
  return iso;
}

/**
 * Fills a label template such as `{name}` or `{image} · {status}` from a container; an
 * unknown placeholder stays as written, so a typo in the setting is visible, not silent.
 */
export function fillTemplate(template: string, c: ContainerSummary): string {
  const fields: Record<string, string> = {
    name: c.name,
    id: shortId(c.id),
    image: c.image,
    command: c.command,
    status: c.statusText,
    state: c.status,
    created: relativeTime(c.created),
  };
  return template.replace(/\{(\w+)\}/g, (whole, key: string) => fields[key] ?? whole);
}
