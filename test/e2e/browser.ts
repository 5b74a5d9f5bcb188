// How every e2e test launches Chromium: Debian's build (no browser download is possible
// offline), headless, and with the background services off — on this closed network
// they only produce refused connections and slow start-up.
import type { LaunchOptions } from '@playwright/test';

export const chromiumPath: string = process.env.BERTH_E2E_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumLaunchOptions(): LaunchOptions {
  const args = [
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-dev-shm-usage',
  ];
  // Chromium's sandbox refuses to run as root.
  if (process.getuid?.() === 0) args.push('--no-sandbox');
  return { executablePath: chromiumPath, headless: true, args };
}

/** Workbench size: big enough that the sidebar, editor and panel all have room. */
export const viewport = { width: 1280, height: 800 } as const;
