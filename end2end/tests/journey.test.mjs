// The review journey in a real browser, with JavaScript off and on, the two-tab conflict,
// accessibility (axe-core) on every page, no console errors, and screenshots of each page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, seriousViolations, screenshot, hydrated, withBundle, startReview } from './support.mjs';

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

const createReview = (page, name, js = true) => startReview(page, server.base, name, js);

async function journey(javaScriptEnabled, label) {
  const context = await browser.newContext({ javaScriptEnabled, viewport: { width: 1280, height: 900 } });
  const page = await openPage(context);
  const id = await createReview(page, `Order service (${label})`, javaScriptEnabled);
  const settle = () => hydrated(page, javaScriptEnabled);

  // Workload fit.
  await page.getByLabel('Spiky or unpredictable bursts, quiet in between').check();
  await page.getByLabel('API Gateway HTTP API').check();
  await page.locator('#q-peak_rps-value').fill('2000');
  await page.getByLabel('Python').check();
  if (javaScriptEnabled && withBundle) {
    // Autosave: the answers are stored without pressing Save, and survive a reload.
    await page.locator('.autosave', { hasText: 'All changes saved' }).waitFor();
    await page.reload();
    await settle();
    assert.equal(await page.getByLabel('Python').isChecked(), true);
    assert.equal(await page.locator('#q-peak_rps-value').inputValue(), '2000');
  }
  await screenshot(page, `${label}-review-workload-fit`);
  await page.getByRole('button', { name: 'Save and continue' }).click();
  await page.waitForURL(/\/review\/state$/);
  await settle();

  // A follow-up appears once its trigger is answered.
  assert.equal(await page.locator('#q-db_connections').isVisible(), false);
  await page.getByLabel('A relational database (RDS or Aurora)').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\/review\/state\?saved/);
  await settle();
  assert.equal(await page.locator('#q-db_connections').isVisible(), true);
  await page.locator('#q-db_connections-direct_many_functions').check();
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\?saved/);
  await screenshot(page, `${label}-review-state`);

  // Cost inputs, then every remaining area is reachable from the rail.
  await settle();
  await page.getByRole('link', { name: /^Cost/ }).click();
  await page.waitForURL(/\/review\/cost$/);
  await settle();
  await page.locator('#q-avg_duration_ms-value').fill('800');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\/review\/cost\?saved/);

  // Results.
  await page.getByRole('link', { name: 'See results' }).click();
  await page.waitForURL(/\/results$/);
  await settle();
  const results = await page.locator('main').innerText();
  assert.match(results, /\d+ high risks?/);
  assert.match(results, /1600 concurrent executions/);
  assert.match(results, /How do functions connect to the relational database\?|relational database/i);
  assert.ok(await page.locator('.chart svg').count() >= 2, 'score bars and a diagram are drawn');
  await screenshot(page, `${label}-results`);

  // Edit a checklist item, reload: it is still there.
  const row = page.locator('tr.item', { hasText: 'budget' }).first();
  // A row is edited on demand.
  await row.locator('summary', { hasText: 'Edit' }).click();
  await row.locator('select[name="status"]').selectOption('accepted-risk');
  await row.locator('input[name="owner"]').fill('Ana');
  let owner = 'Ana';
  if (javaScriptEnabled) {
    // Saved in place, then again with the version the first save returned: no conflict.
    for (const name of ['Ana', 'Ana Silva']) {
      await row.locator('input[name="owner"]').fill(name);
      const saved = page.waitForResponse((r) => r.url().endsWith('/api/save_checklist_item'));
      await row.getByRole('button', { name: 'Save' }).click();
      assert.equal((await saved).status(), 200);
      await row.locator('.item-status', { hasText: /^Saved$/ }).waitFor();
    }
    owner = 'Ana Silva';
    assert.match(page.url(), /\/results$/, 'no page load');
  } else {
    await row.getByRole('button', { name: 'Save' }).click();
  }
  await page.waitForLoadState('networkidle');
  await page.goto(`${server.base}/assessments/${id}/results`);
  await settle();
  const saved = page.locator('tr.item', { hasText: 'budget' }).first();
  assert.equal(await saved.locator('input[name="owner"]').inputValue(), owner);
  assert.equal(await saved.locator('select[name="status"]').inputValue(), 'accepted-risk');

  // The list shows progress and a score.
  await page.goto(`${server.base}/`);
  await screenshot(page, `${label}-list`);
  assert.match(await page.locator('table.assessments').innerText(), new RegExp(`Order service \\(${label}\\)`));

  if (javaScriptEnabled) assert.deepEqual(page.problems, [], 'no console errors');
  await context.close();
  return id;
}

test('a review can be completed with JavaScript off', async () => {
  await journey(false, 'nojs');
});

test('a review can be completed with JavaScript on', async () => {
  await journey(true, 'js');
});

test('two tabs saving one answer see a conflict and choose', async () => {
  const context = await browser.newContext();
  const a = await openPage(context);
  const id = await createReview(a, 'Two tabs');
  const b = await openPage(context);
  await b.goto(`${server.base}/assessments/${id}/review/workload_fit`);
  await hydrated(b);

  await a.locator('#q-peak_rps-value').fill('100');
  await a.getByRole('button', { name: 'Save', exact: true }).click();
  await a.waitForURL(/\?saved/);

  await b.locator('#q-peak_rps-value').fill('900');
  await b.getByRole('button', { name: 'Save', exact: true }).click();
  await b.waitForURL(/\/review\/workload_fit\/save$/);
  const alert = b.getByRole('alert');
  await alert.waitFor();
  const text = await alert.innerText();
  assert.match(text, /Someone else changed/);
  assert.match(text, /900/);
  assert.match(text, /100/);
  await screenshot(b, 'conflict');
  await b.getByRole('button', { name: 'Keep mine' }).click();
  await b.waitForURL(/\?saved/);
  await b.goto(`${server.base}/assessments/${id}/review/workload_fit`);
  assert.equal(await b.locator('#q-peak_rps-value').inputValue(), '900');
  await context.close();
});

test('every page has no serious accessibility violations and no console errors', async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const id = await createReview(page, 'Accessibility');
  await page.goto(`${server.base}/account`);
  const team = await page.locator('a[href^="/teams/"]').first().getAttribute('href');
  const paths = ['/', '/catalog', `/assessments/${id}/results`, `/assessments/${id}/milestones`, '/account', team];
  for (const area of ['workload_fit', 'state', 'reliability', 'security', 'observability', 'cost', 'delivery']) {
    paths.push(`/assessments/${id}/review/${area}`);
  }
  const problems = [];
  for (const path of paths) {
    await page.goto(`${server.base}${path}`);
    for (const v of await seriousViolations(page)) problems.push(`${path}: ${v}`);
  }
  await page.goto(`${server.base}/catalog`);
  await screenshot(page, 'catalog');
  await page.goto(`${server.base}/assessments/${id}/milestones`);
  await page.getByLabel('Name').fill('First pass');
  await page.getByRole('button', { name: 'Save a milestone' }).click();
  await page.waitForURL(/milestones/);
  await page.goto(`${server.base}/assessments/${id}/milestones`);
  for (const v of await seriousViolations(page)) problems.push(`milestones with a diff: ${v}`);
  await screenshot(page, 'milestones');
  await page.goto(`${server.base}/account`);
  await screenshot(page, 'account');
  await page.goto(`${server.base}${team}`);
  await screenshot(page, 'team');
  // Signed out: the welcome, sign-in and sign-up pages.
  const anonymous = await openPage(await browser.newContext());
  for (const path of ['/', '/signin', '/signup']) {
    await anonymous.goto(`${server.base}${path}`);
    for (const v of await seriousViolations(anonymous)) problems.push(`${path} (signed out): ${v}`);
  }
  await screenshot(anonymous, 'signup');
  problems.push(...anonymous.problems);
  assert.deepEqual(problems, []);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('only a page with an island loads the WebAssembly bundle', { skip: !withBundle && 'no browser bundle' }, async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const fetched = [];
  page.on('request', (r) => { if (/\/pkg\//.test(r.url())) fetched.push(new URL(r.url()).pathname); });
  const visit = async (path) => {
    fetched.length = 0;
    await page.goto(`${server.base}${path}`);
    await page.waitForLoadState('networkidle');
    return { islands: await page.locator('leptos-island').count(), pkg: [...fetched] };
  };
  for (const path of ['/', '/signin', '/catalog', '/api']) {
    assert.deepEqual(await visit(path), { islands: 0, pkg: [] }, `${path} (signed out)`);
  }
  const id = await createReview(page, 'Bundle on demand');
  for (const path of ['/', '/account', `/assessments/${id}/milestones`]) {
    assert.deepEqual(await visit(path), { islands: 0, pkg: [] }, path);
  }
  const review = await visit(`/assessments/${id}/review/workload_fit`);
  assert.ok(review.islands > 0, 'the review page has its autosave island');
  assert.ok(review.pkg.includes('/pkg/app_bg.wasm'), `the review page loads the bundle: ${review.pkg}`);
  await hydrated(page);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a number out of range is marked on its field and not saved', { skip: !withBundle && 'no browser bundle' }, async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  await createReview(page, 'Bad numbers');
  const field = page.locator('#q-peak_rps-value');
  await field.fill('2000');
  await field.dispatchEvent('change');
  await page.locator('.autosave', { hasText: 'All changes saved' }).waitFor();
  await field.fill('-5');
  await field.dispatchEvent('change');
  await page.locator('#q-peak_rps-value-error').waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.match(await page.locator('#q-peak_rps-value-error').innerText(), /Enter a number from 0 to/);
  assert.match(await page.locator('.autosave').innerText(), /Not saved/);
  // The stored answer is still 2000: nothing blank or negative was sent.
  await page.reload();
  await hydrated(page);
  assert.equal(await field.inputValue(), '2000');
  // Fixed, the mark goes and the answer saves.
  await field.fill('2500');
  await field.dispatchEvent('change');
  await page.locator('.autosave', { hasText: 'All changes saved' }).waitFor();
  assert.equal(await field.getAttribute('aria-invalid'), null);
  assert.equal(await page.locator('#q-peak_rps-value-error').count(), 0);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('the rail and the save bar count answers as they autosave', { skip: !withBundle && 'no browser bundle' }, async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  await createReview(page, 'Live counters');
  const rail = page.locator('#rail-workload_fit-count');
  const bar = page.locator('.progress-count');
  const [before, applicable] = (await rail.innerText()).split('/').map(Number);
  assert.equal(await bar.innerText(), `${before} of ${applicable} answered`);
  await page.getByLabel('Steady, heavy load around the clock').check();
  await page.locator('.autosave', { hasText: 'All changes saved' }).waitFor();
  // Both counts move without a page load (a follow-up may join the applicable ones).
  const [after, nowApplicable] = (await rail.innerText()).split('/').map(Number);
  assert.equal(after, before + 1);
  assert.equal(await bar.innerText(), `${after} of ${nowApplicable} answered`);
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a checklist row saved without JavaScript comes back to itself, saying so', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await openPage(context);
  const id = await createReview(page, 'Checklist rows', false);
  await page.goto(`${server.base}/assessments/${id}/results`);
  const row = page.locator('tr.item').first();
  await row.locator('summary', { hasText: 'Edit' }).click();
  await row.getByLabel('Owner').fill('Sam');
  await row.getByRole('button', { name: 'Save' }).click();
  await page.waitForURL(/\/results#saved-/);
  const mark = page.locator('.saved-mark:visible');
  assert.equal(await mark.count(), 1);
  assert.match(await mark.locator('xpath=ancestor::tr').innerText(), /Sam/);
  // The page scrolled to the row, not to the top.
  assert.ok(await page.evaluate(() => window.scrollY) > 0);
  await context.close();
});

test('a review started from another carries its answers over, to confirm (JavaScript off)', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await openPage(context);
  const source = await createReview(page, 'Checkout API', false);
  await page.locator('#q-peak_rps-value').fill('300');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\?saved/);

  // From the results page, the home form opens with the review preselected.
  await page.goto(`${server.base}/assessments/${source}/results`);
  await page.getByRole('link', { name: 'New review from this' }).click();
  await page.waitForURL(/\/\?from=/);
  assert.equal(await page.getByLabel('Start from').inputValue(), source);
  await page.getByLabel('Workload name').fill('Payments API');
  await page.getByRole('button', { name: 'Start a review' }).click();
  await page.waitForURL(/\/review\/workload_fit$/);
  const id = page.url().split('/')[4];
  assert.notEqual(id, source);

  // The carried-over answer is there, marked, and counted in the rail.
  assert.equal(await page.locator('#q-peak_rps-value').inputValue(), '300');
  assert.equal(await page.locator('#q-peak_rps legend').getByText('To confirm').isVisible(), true);
  assert.match(await page.getByRole('navigation', { name: 'Areas' }).innerText(), /1 to confirm/);
  await screenshot(page, 'to-confirm-review');
  // axe needs JavaScript: the same session in a context that runs it.
  const withJs = await browser.newContext({ storageState: await context.storageState() });
  const checked = await openPage(withJs);
  for (const path of [`/assessments/${id}/review/workload_fit`, `/assessments/${id}/results`, `/?from=${source}`]) {
    await checked.goto(`${server.base}${path}`);
    assert.deepEqual(await seriousViolations(checked), [], path);
  }
  await withJs.close();

  // The results say so and lead back to it; saving the page confirms it.
  await page.goto(`${server.base}/assessments/${id}/results`);
  assert.match(await page.locator('main').innerText(), /1 answer carried over from Checkout API is still to confirm/);
  await page.getByRole('link', { name: 'Check the first one' }).click();
  await page.waitForURL(/\/review\/workload_fit#q-peak_rps$/);
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\?saved/);
  assert.match(await page.getByRole('status').first().innerText(), /1 carried-over answer confirmed/);
  assert.equal(await page.locator('.confirm-badge').count(), 0);
  await page.goto(`${server.base}/assessments/${id}/results`);
  assert.doesNotMatch(await page.locator('main').innerText(), /still to confirm/);
  await context.close();
});
