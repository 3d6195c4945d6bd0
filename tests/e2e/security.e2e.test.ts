// Security headers in a real browser: the built client (logged in, map drawn) and the API docs load under the
// server's Content-Security-Policy without a single violation or console error.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { login } from '@ccr/server/testing';
import { useBrowserBed } from './browser-bed.js';

const bed = useBrowserBed('csp:');

/** A page that records CSP violations (from the document's own event) and console errors. */
async function watchedPage(): Promise<{ page: Page; problems: string[] }> {
  const page = await bed.browser.newPage({ viewport: { width: 1920, height: 1080 } });
  const problems: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await page.exposeFunction('reportViolation', (v: string) => problems.push(`csp: ${v}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      (window as unknown as { reportViolation(v: string): void }).reportViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'}`);
    });
  });
  return { page, problems };
}

describe('Content-Security-Policy in Chromium', () => {
  it('the wall loads logged in, connects and draws, with no violation', async () => {
    const session = await login(bed.server, 'operator', bed.server.config.auth.demoPassword!);
    const { page, problems } = await watchedPage();
    await page.addInitScript((saved) => localStorage.setItem('ccr.auth', saved), JSON.stringify(session));
    const res = await page.goto(bed.server.url, { waitUntil: 'load' });
    expect(res?.headers()['content-security-policy']).toContain("default-src 'self'");
    expect(res?.headers()['x-content-type-options']).toBe('nosniff');
    // The map is drawn: ECharts painted its canvas.
    await page.waitForFunction(() => [...document.querySelectorAll('canvas')].some((c) => c.width > 0), undefined, { timeout: 30_000 });
    await page.waitForTimeout(1_500);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the API docs load with no violation', async () => {
    const { page, problems } = await watchedPage();
    await page.goto(`${bed.server.url}/docs`, { waitUntil: 'load' });
    await page.waitForSelector('.swagger-ui .info', { timeout: 30_000 });
    await page.waitForTimeout(500);
    expect(problems).toEqual([]);
    await page.close();
  });
});
