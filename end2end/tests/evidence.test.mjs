// Evidence import in a real browser: a generated starter's template.yaml uploaded on a new
// review fills answers marked To confirm, each with its evidence under the question; after the
// team changes one answer, a second import shows the drift by question title, and accepting it
// writes the template's value. Screenshots at 390 and 1280 px, with no horizontal overflow.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launch, openPage, seriousViolations, screenshot, startReview, hydrated, overflow } from './support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
let server;
let browser;
let template;

before(async () => {
  server = await startServer();
  browser = await launch();
  // A starter as Trellis generates it, from a review case's answers.
  const out = join(mkdtempSync(join(tmpdir(), 'trellis-e2e-starter-')), 'starter');
  const answers = join(here, '..', '..', 'questionnaires', 'tests', 'cases', '05_travel_booking_approval.toml');
  execFileSync(process.env.TRELLIS_BIN, ['scaffold', answers, '--pattern', 'api_lambda_dynamodb', '--runtime', 'python', '--out', out]);
  template = join(out, 'template.yaml');
});

after(async () => {
  await browser?.close();
  server?.stop();
});

async function upload(page, id) {
  await page.goto(`${server.base}/assessments/${id}/evidence`);
  await page.locator('#files').setInputFiles(template);
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await page.waitForURL(/\/evidence#imported$/);
}

test('a starter template pre-fills a review, and a second import shows the drift to decide', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openPage(context);
  const id = await startReview(page, server.base, 'Travel bookings');
  await page.getByRole('link', { name: 'Import from infrastructure code' }).click();
  await page.waitForURL(/\/evidence$/);

  await upload(page, id);
  const filled = page.locator('section', { has: page.locator('#filled') });
  assert.match(await filled.innerText(), /Filled in \(\d+\)/);
  assert.match(await filled.innerText(), /To confirm/);
  assert.match(await filled.innerText(), /From template\.yaml line \d+, Resource \w+/);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, 'evidence-imported-1280');
  assert.equal(await overflow(page), false, 'no horizontal overflow at 1280 px');

  // The answer on its question page: marked To confirm, with its evidence under the question.
  await page.goto(`${server.base}/assessments/${id}/review/cost`);
  await hydrated(page);
  await page.locator('#q-memory_mb-confirm').waitFor();
  assert.match(await page.locator('#q-memory_mb-evidence').innerText(), /From template\.yaml line \d+, Resource \w+, (Globals\.Function|Properties)\.MemorySize/);

  // The team changes it; the next import shows the drift, by title, in words.
  await page.locator('#q-memory_mb-value').fill('3008');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\?saved/);
  await upload(page, id);
  const drift = page.locator('#drift-memory_mb');
  const text = await drift.innerText();
  assert.match(text, /How much memory do the main functions need, in MB\?/);
  assert.match(text, /Your answer\s+3008 MB/);
  assert.match(text, /The template\s+\d+ MB/);
  assert.doesNotMatch(text, /memory_mb/, 'no ids on the page');
  await screenshot(page, 'evidence-drift-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(await overflow(page), false, 'no horizontal overflow at 390 px');
  await screenshot(page, 'evidence-drift-390');
  await page.setViewportSize({ width: 1280, height: 900 });

  // Accept the template's value.
  await drift.getByLabel("Use the template's value").check();
  await page.getByRole('button', { name: 'Apply my choices' }).click();
  await page.waitForURL(/\?decided#drift$/);
  assert.match(await page.locator('#drift-memory_mb').innerText(), /The template's value was used/);
  await page.goto(`${server.base}/assessments/${id}/review/cost`);
  await hydrated(page);
  await page.locator('#q-memory_mb-confirm').waitFor();
  assert.notEqual(await page.locator('#q-memory_mb-value').inputValue(), '3008');
  await screenshot(page, 'evidence-question-1280');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.equal(await overflow(page), false, 'the question page: no horizontal overflow at 390 px');
  await page.locator('#q-memory_mb-evidence').scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(here, '..', 'artifacts', 'evidence-question-390.png') });
  assert.deepEqual(page.problems, []);
  await context.close();
});
