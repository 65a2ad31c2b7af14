// What the browser tests share: whether Debian's Chromium is here (skipped with the reason when it is not, an error
// under CI=true), a web/dist no older than its sources, a headless Chromium with its own throwaway home, and signing
// in. Run as a script (under a lock, by ensureBuilt) it rebuilds web/dist when it is still stale.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Locator, type Page } from 'playwright-core';
import { adminKey } from './runtime.ts';

export const chromiumPath = '/usr/bin/chromium';
const root = path.resolve(import.meta.dirname, '..', '..');
const webDir = path.join(root, 'web');
const builtIndex = path.join(webDir, 'dist', 'index.html');

/** Why the browser tests cannot run here, or null; printed for a skip, thrown under CI=true (CI must run them). */
export function missingBrowser(): string | null {
  const missing = existsSync(chromiumPath)
    ? null
    : `${chromiumPath} is missing (install it with: apt-get install -y chromium)`;
  if (missing && process.env.CI === 'true') throw new Error(`CI must run the browser tests: ${missing}`);
  if (missing) process.stdout.write(`# skipping browser tests: ${missing}\n`);
  return missing;
}

/** Newest modification time of the UI's sources, in ms. */
function newestSource(dir: string): number {
  return Math.max(
    ...readdirSync(dir, { withFileTypes: true, recursive: true })
      .filter((e) => e.isFile())
      .map((e) => statSync(path.join(e.parentPath, e.name)).mtimeMs),
  );
}

function isBuilt(): boolean {
  const sources = Math.max(newestSource(path.join(webDir, 'src')), statSync(path.join(webDir, 'index.html')).mtimeMs);
  return existsSync(builtIndex) && statSync(builtIndex).mtimeMs >= sources;
}

function buildIfStale(): void {
  if (isBuilt()) return;
  execFileSync(
    process.execPath,
    [path.join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', 'web/vite.config.ts'],
    { cwd: root, stdio: 'inherit' },
  );
}

/**
 * Builds web/dist when it is missing or older than its sources (the server serves what is there when it starts).
 * Browser test files run in parallel: the build runs under a lock and re-checks, so that one file never empties
 * web/dist under another's server.
 */
export function ensureBuilt(): void {
  if (isBuilt()) return;
  const lock = path.join(os.tmpdir(), `insightflow-web-build-${createHash('sha256').update(root).digest('hex')}.lock`);
  execFileSync('flock', [lock, process.execPath, import.meta.filename], { cwd: root, stdio: 'inherit' });
  assert.ok(existsSync(builtIndex), `npm run build:web did not produce ${builtIndex}`);
}

export interface BrowserSession {
  browser: Browser;
  /** The page the test drives; actions and waits time out after 20 s. */
  page: Page;
  /** Closes the browser and removes its home directory. */
  close(): Promise<void>;
}

/** Starts headless Chromium with a fresh home directory, and opens a page. */
export async function launchBrowser(): Promise<BrowserSession> {
  const home = mkdtempSync(path.join(os.tmpdir(), 'insightflow-chromium-'));
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--no-first-run',
        '--disable-component-update',
        '--disable-sync',
      ],
      env: { ...process.env, HOME: home },
    });
    const page = await browser.newPage();
    page.setDefaultTimeout(20_000);
    const opened = browser;
    return {
      browser: opened,
      page,
      close: async () => {
        await opened.close();
        rmSync(home, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close();
    rmSync(home, { recursive: true, force: true });
    throw err;
  }
}

/** Cell texts of a table's body rows. */
export const tableCells = (table: Locator): Promise<string[][]> =>
  table
    .locator('tbody tr')
    .evaluateAll((rows) => rows.map((r) => [...r.querySelectorAll('td')].map((td) => td.innerText.trim())));

/** A link of the main navigation, by its label. */
export const nav = (page: Page, label: string): Locator =>
  page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: label });

/** Signs in at the server's UI with a connection key (the system administrator's by default). */
export async function signIn(page: Page, serverUrl: string, key = adminKey): Promise<void> {
  await page.goto(`${serverUrl}/`);
  await page.locator('input[name="key"]').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await nav(page, 'Data sources').waitFor();
}

/** A browser at the smallest size the UI must fit (1024×768), signed in at the server's UI as the system
 * administrator. */
export async function signedInAt1024(serverUrl: string): Promise<BrowserSession> {
  const session = await launchBrowser();
  try {
    await session.page.setViewportSize({ width: 1024, height: 768 });
    await signIn(session.page, serverUrl);
    return session;
  } catch (err) {
    await session.close();
    throw err;
  }
}

if (import.meta.main) buildIfStale();
