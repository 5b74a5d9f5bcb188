/**
 * Platforms (`linux/amd64`, `linux/arm64/v8`) and choosing the host's manifest from an
 * index, the way containerd's default matcher does: same OS and architecture; a
 * variant, when the host has one, must match (arm64's default variant is v8).
 */
import { invalidArgument } from '../errors';

export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

const ARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x', riscv64: 'riscv64', loong64: 'loong64' };

export function hostPlatform(): Platform {
  const architecture = ARCH[process.arch] ?? process.arch;
  const platform: Platform = { os: 'linux', architecture };
  if (architecture === 'arm64') platform.variant = 'v8';
  if (architecture === 'arm') platform.variant = `v${(process.config.variables as { arm_version?: string }).arm_version ?? '7'}`;
  return platform;
}

export function parsePlatform(text: string): Platform {
  const [os, architecture, variant, extra] = text.split('/');
  if (!os || !architecture || extra !== undefined) throw invalidArgument(`'${text}' is not a platform; write os/arch[/variant], e.g. linux/amd64.`);
  return { os, architecture, ...(variant && { variant }) };
}

export function formatPlatform(p: Platform): string {
  return [p.os, p.architecture, p.variant].filter(Boolean).join('/');
}

function normalizedVariant(p: Platform): string | undefined {
  if (p.architecture === 'arm64' && (p.variant === undefined || p.variant === '')) return 'v8';
  return p.variant || undefined;
}

export function platformMatches(candidate: Platform, wanted: Platform): boolean {
  if (candidate.os !== wanted.os || candidate.architecture !== wanted.architecture) return false;
  const want = normalizedVariant(wanted);
  const have = normalizedVariant(candidate);
  return want === undefined || have === undefined || want === have;
}
