import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Page } from 'playwright-core';
import { onTestFinished } from 'vitest';

/** Where screenshots go: outside the repository. */
export const artifactsDir = process.env.URUMI_ARTIFACTS_DIR ?? join(tmpdir(), 'urumi-artifacts', 'e2e');

/**
 * Debian's Chromium, headless, with a fresh profile and none of the background traffic this
 * machine's closed network would refuse.
 */
export async function openBrowser(): Promise<Page> {
  const profile = await mkdtemp(join(tmpdir(), 'urumi-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
    viewport: { width: 1280, height: 860 },
  });
  onTestFinished(async () => {
    await context.close();
    await rm(profile, { recursive: true, force: true });
  });
  return context.pages()[0] ?? (await context.newPage());
}

export async function screenshot(page: Page, name: string): Promise<string> {
  await mkdir(artifactsDir, { recursive: true });
  const file = join(artifactsDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}
