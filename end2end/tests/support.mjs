// Shared helpers: start a real `trellis serve` on a fresh SQLite file, launch Debian's Chromium,
// collect console errors, run axe-core, and save screenshots as test artifacts.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import net from 'node:net';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
export const artifacts = join(here, '..', 'artifacts');
mkdirSync(artifacts, { recursive: true });

const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

async function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

/** Starts Trellis on a free port with its own database; returns { base, stop }. */
export async function startServer(env = {}, fixedPort = undefined) {
  const bin = process.env.TRELLIS_BIN;
  if (!bin) throw new Error('set TRELLIS_BIN to the trellis binary (scripts/test does)');
  const port = fixedPort ?? await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'trellis-e2e-'));
  const child = spawn(bin, ['serve', '--addr', `127.0.0.1:${port}`], {
    env: {
      ...process.env,
      DATABASE_URL: `sqlite://${join(dir, 'trellis.db')}?mode=rwc`,
      RUST_LOG: 'warn',
      ...env,
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 100; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base, stop: () => child.kill('SIGTERM') };
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('trellis did not start');
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page that records console errors and uncaught exceptions into `page.problems`. */
export async function openPage(context) {
  const page = await context.newPage();
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  return page;
}

/** Runs axe-core on the page; returns serious and critical violations. axe is evaluated
 * through the DevTools protocol, not added as a <script>: the page's CSP rightly refuses that. */
export async function seriousViolations(page) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () => await globalThis.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(' ')).slice(0, 3).join(', ')}`);
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(artifacts, `${name}.png`), fullPage: true });
}

/** Whether the server has a browser bundle, so JS-enabled pages hydrate: the one built into the
 * binary, unless TRELLIS_SITE_ROOT (passed on to `trellis serve`) names a directory to serve one
 * from; a directory without `pkg/app.js` means none (`TRELLIS_SITE_ROOT=/nonexistent npm test`
 * runs every page without JavaScript). */
export const withBundle = process.env.TRELLIS_SITE_ROOT === undefined
  || existsSync(join(process.env.TRELLIS_SITE_ROOT, 'pkg', 'app.js'));

/** With JavaScript on and a bundle, waits until a page with an island has hydrated (a panic never
 * gets there). A page without one loads no bundle, so there is nothing to wait for. */
export async function hydrated(page, javaScriptEnabled = true) {
  if (!(javaScriptEnabled && withBundle)) return;
  await page.waitForLoadState('domcontentloaded');
  if (await page.locator('leptos-island').count() === 0) return;
  await page.waitForSelector('body[data-hydrated]', { timeout: 15000 });
}

let accounts = 0;

/** Signs up a new user in this page's browser context; returns their email. */
export async function signUp(page, base, javaScriptEnabled = true, name = 'Ana Reviewer') {
  accounts += 1;
  const email = `user${accounts}-${process.pid}@example.com`;
  await page.goto(`${base}/signup`);
  await hydrated(page, javaScriptEnabled);
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel(/^Password/).fill('a long enough password');
  await page.getByRole('button', { name: 'Create the account' }).click();
  await page.waitForURL(`${base}/`);
  return email;
}

/** Signs up a new account, starts a review named `name`, and returns its id (on its first area). */
export async function startReview(page, base, name, javaScriptEnabled = true) {
  await signUp(page, base, javaScriptEnabled);
  await page.goto(`${base}/`);
  await hydrated(page, javaScriptEnabled);
  // The form opens from "New review" (it is open already while there is no review).
  if (!(await page.getByLabel('Workload name').isVisible())) await page.getByText('New review', { exact: true }).click();
  await page.getByLabel('Workload name').fill(name);
  await page.getByLabel('Environment').fill('production');
  await page.getByRole('button', { name: 'Start a review' }).click();
  await page.waitForURL(/\/review\/workload_fit$/);
  await hydrated(page, javaScriptEnabled);
  return page.url().split('/')[4];
}

/** Starts a server (with `env`) and Chromium before a file's tests and stops both after them;
 * the returned object holds them as `server` and `browser` once they are up. */
export function serverAndBrowser(env = {}) {
  const it = {};
  before(async () => {
    it.server = await startServer(env);
    it.browser = await launch();
  });
  after(async () => {
    await it.browser?.close();
    it.server?.stop();
  });
  return it;
}

/** Whether the page is wider than its window (it scrolls sideways). */
export async function overflow(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
}
