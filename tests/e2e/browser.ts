// Debian's Chromium driven by playwright-core (no browser download), with the flags this closed network needs.
import { chromium, type Browser, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required'],
  });
}

/**
 * Opens `path` of the app and signs in through the login page it is sent to (the way a person does), then waits
 * until the page it asked for is shown.
 */
export async function openLoggedIn(page: Page, baseUrl: string, path: string, username: string, password: string): Promise<void> {
  await page.goto(`${baseUrl}${path}`, { waitUntil: 'load' });
  await page.waitForURL(/\/login/, { timeout: 30_000 });
  await page.locator('input[name="username"]').fill(username);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('button[type="submit"]').click();
  // Either the page asked for opens, or the login page says why not (then the test says it too).
  const refused = page.locator('.login [role="alert"]');
  await Promise.race([
    page.waitForURL((url) => !url.pathname.startsWith('/login'), { timeout: 30_000 }),
    refused.waitFor({ timeout: 30_000 }).then(async () => { throw new Error(`login as ${username} refused: ${await refused.textContent()}`); }),
  ]);
}

/** Share of sampled pixels that are not transparent, over the canvases `canvases` (a selector) matches. Every
 *  `stride`-th pixel is sampled. A blank chart paints 0. */
export function paintedShare(page: Page, canvases: string, stride = 53): Promise<number> {
  return page.evaluate(([sel, step]) => {
    let painted = 0;
    let sampled = 0;
    for (const canvas of document.querySelectorAll<HTMLCanvasElement>(sel)) {
      const ctx = canvas.getContext('2d');
      if (!ctx || canvas.width === 0) continue;
      const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 3; i < data.length; i += 4 * step) {
        sampled += 1;
        if (data[i]! > 0) painted += 1;
      }
    }
    return sampled === 0 ? 0 : painted / sampled;
  }, [canvases, stride] as const);
}
