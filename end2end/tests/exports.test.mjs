// Reports in a real browser: the milestone diff shows an answer edited after the milestone; the
// printable report page passes axe and hides its toolbar in print; the self-contained HTML export,
// opened from disk with the network blocked, makes no request and draws its charts.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { startServer, launch, openPage, seriousViolations, screenshot, startReview } from './support.mjs';

let server;
let browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function saveMilestone(page, id, name) {
  await page.goto(`${server.base}/assessments/${id}/milestones`);
  await page.getByLabel('Name').fill(name);
  await page.getByRole('button', { name: 'Save a milestone' }).click();
  await page.waitForURL(/milestones/);
}

test('an answer edited after a milestone shows in the diff', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await openPage(context);
  const id = await startReview(page, server.base, 'Diff service', false);
  await page.getByLabel('Steady, heavy load around the clock').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\?saved/);
  await saveMilestone(page, id, 'Before the change');

  await page.goto(`${server.base}/assessments/${id}/review/workload_fit`);
  await page.getByLabel('Spiky or unpredictable bursts, quiet in between').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\?saved/);

  await page.goto(`${server.base}/assessments/${id}/milestones`);
  const changed = page.locator('table', { has: page.locator('th', { hasText: 'Question' }) });
  const row = changed.locator('tr', { hasText: 'Steady, heavy load around the clock' });
  await row.waitFor();
  assert.match(await row.innerText(), /Spiky or unpredictable bursts/);
  await screenshot(page, 'milestone-diff');
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('the report page is accessible, printable, and links every export', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
  const page = await openPage(context);
  const id = await startReview(page, server.base, 'Report service');
  await page.getByLabel('Spiky or unpredictable bursts, quiet in between').check();
  await page.getByLabel('API Gateway HTTP API').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\?saved/);

  await page.goto(`${server.base}/assessments/${id}/results`);
  await page.getByRole('link', { name: 'Report and exports' }).click();
  await page.waitForURL(/\/report$/);
  assert.deepEqual(await seriousViolations(page), []);
  for (const label of ['PDF', 'HTML file', 'Markdown', 'JSON', 'CSV', 'ADRs (zip)', 'Backlog (zip)']) {
    const href = await page.getByRole('link', { name: label, exact: true }).getAttribute('href');
    const res = await page.request.get(`${server.base}${href}`);
    assert.equal(res.status(), 200, `${label}: ${href}`);
    assert.match(res.headers()['content-disposition'], /^attachment; filename="trellis-report-service/);
  }
  await screenshot(page, 'report-page');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('nav.tools').isVisible(), false, 'the toolbar is not printed');
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('the HTML export opens offline: no request, charts drawn', async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const id = await startReview(page, server.base, 'Offline service');
  await page.getByLabel('Spiky or unpredictable bursts, quiet in between').check();
  await page.locator('#q-peak_rps-value').fill('300');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\?saved/);
  const res = await page.request.get(`${server.base}/assessments/${id}/report.html`);
  assert.equal(res.status(), 200);
  const file = join(mkdtempSync(join(tmpdir(), 'trellis-export-')), 'report.html');
  writeFileSync(file, await res.body());

  const offline = await browser.newContext({ offline: true });
  const requests = [];
  await offline.route('**/*', (route) => {
    requests.push(route.request().url());
    return route.request().url().startsWith('file:') ? route.continue() : route.abort();
  });
  const view = await openPage(offline);
  await view.goto(pathToFileURL(file).href);
  assert.deepEqual(requests, [pathToFileURL(file).href], 'only the file itself is loaded');
  assert.equal(await view.getByRole('heading', { level: 1 }).innerText(), 'Offline service');
  const charts = await view.locator('figure svg').evaluateAll((svgs) =>
    svgs.map((s) => { const b = s.getBoundingClientRect(); return [b.width, b.height, s.querySelectorAll('rect, path, line').length]; }));
  assert.ok(charts.length >= 1, 'at least the score chart');
  for (const [w, h, shapes] of charts) assert.ok(w > 300 && h > 100 && shapes > 3, `chart drawn: ${w}x${h}, ${shapes} shapes`);
  await screenshot(view, 'report-html-offline');
  assert.deepEqual(view.problems, []);
  await offline.close();
  await context.close();
});
