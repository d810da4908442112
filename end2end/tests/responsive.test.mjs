// Every page fits its viewport: at 390, 768 and 1280 px no page is wider than the window
// (document.documentElement.scrollWidth <= innerWidth). Wide content (tables, code, charts) may
// scroll inside its own box, the page may not; chart text stays readable (drawn at least 10 px
// high); and axe finds nothing serious at any width. Checked signed out, as the owner of a
// well-filled review (risks, checks, the cost chart and the checklist all shown), and as a
// viewer invited through the team page; and before that on a fresh installation (no account
// yet). The home page is also checked with its "New review" form and a row's "More" menu open.
//
// FIT_CSS=path/to/trellis.css serves that stylesheet instead of the one built into the binary
// (to try a change without rebuilding); FIT_SHOTS=dir saves a full-page screenshot of each page
// at each width there.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startServer, launch, openPage, seriousViolations, hydrated, signUp, startReview } from './support.mjs';

const WIDTHS = [390, 768, 1280];
const AREAS = ['workload_fit', 'state', 'reliability', 'security', 'observability', 'cost', 'delivery'];

let server;
let browser;
/** Each chart-bearing page at each width: the smallest chart text, and whether the boxes scroll. */
const charts = [];

before(async () => {
  server = await startServer();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.stop();
});

/** A context for checking pages, with JavaScript (axe needs it) and the given session. */
async function checker(storageState) {
  const context = await browser.newContext({ storageState, viewport: { width: 1280, height: 900 } });
  if (process.env.FIT_CSS) {
    const css = readFileSync(process.env.FIT_CSS, 'utf8');
    await context.route('**/style/trellis.css', (route) => route.fulfill({ contentType: 'text/css', body: css }));
  }
  return context;
}

/** Saves the area shown, JavaScript off: waits for the page to come back. */
async function save(page) {
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.waitForURL(/\?saved/);
}

/** Answers every visible question of the area shown that is still open: the first choice, or 100. */
async function answerTheRest(page) {
  for (const q of await page.locator('fieldset.question:visible').all()) {
    const choices = q.locator('.choices input');
    if (await choices.count() > 0) {
      if (await q.locator('.choices input:checked').count() === 0) await choices.first().check();
      continue;
    }
    const number = q.locator('.number input[type="number"]');
    if (await number.count() > 0 && (await number.inputValue()) === '') {
      // 100, within the question's bounds.
      const [min, max] = [await number.getAttribute('min'), await number.getAttribute('max')];
      await number.fill(String(Math.min(Math.max(100, Number(min ?? 100)), Number(max ?? 100))));
    }
  }
}

/** A review with answers in every area: risks, quantitative checks, the cost chart and the
 * checklist all show on its results. Returns its id. */
async function wellFilledReview(page) {
  const id = await startReview(page, server.base, 'Order service with a fairly long workload name', false);
  await page.getByLabel('Spiky or unpredictable bursts, quiet in between').check();
  await page.getByLabel('API Gateway HTTP API').check();
  await page.locator('#q-peak_rps-value').fill('2000');
  await page.getByLabel('Python').check();
  await answerTheRest(page);
  await save(page);
  await page.goto(`${server.base}/assessments/${id}/review/state`);
  await page.getByLabel('A relational database (RDS or Aurora)').check();
  await save(page);
  await page.locator('#q-db_connections-direct_many_functions').check();
  await answerTheRest(page);
  await save(page);
  await page.goto(`${server.base}/assessments/${id}/review/cost`);
  await page.locator('#q-avg_duration_ms-value').fill('800');
  await answerTheRest(page);
  await save(page);
  for (const area of ['reliability', 'security', 'observability', 'delivery']) {
    await page.goto(`${server.base}/assessments/${id}/review/${area}`);
    await answerTheRest(page);
    await save(page);
  }
  return id;
}

/** Whether the page fits: its width, and the outermost elements that stick out past the right
 * edge (for the failure message). */
async function fit(page) {
  return page.evaluate(() => {
    const width = window.innerWidth;
    const out = [];
    const name = (e) => e.tagName.toLowerCase() + (e.id ? `#${e.id}` : '')
      + (typeof e.className === 'string' && e.className ? `.${e.className.trim().split(/\s+/).join('.')}` : '');
    const walk = (e, path) => {
      const style = getComputedStyle(e);
      if (style.display === 'none' || style.visibility === 'hidden') return;
      const r = e.getBoundingClientRect();
      const here = `${path} > ${name(e)}`;
      if (r.right > width + 0.5 && r.width > 0) {
        out.push(`${here} (right edge ${Math.round(r.right)})`);
        return;
      }
      // A box that scrolls holds what is wider than it.
      if (/(auto|scroll|hidden)/.test(style.overflowX)) return;
      for (const c of e.children) walk(c, here);
    };
    for (const c of document.body.children) walk(c, 'body');
    return { scrollWidth: document.documentElement.scrollWidth, innerWidth: width, out: out.slice(0, 5) };
  });
}

/** The smallest height (in CSS px) any text in a chart is drawn at (Infinity without a chart),
 * and whether every chart's box can take the keyboard focus (so it may scroll: axe's
 * scrollable-region-focusable). */
async function chartText(page) {
  return page.evaluate(() => {
    let least = Infinity;
    for (const t of document.querySelectorAll('.chart svg text')) {
      const r = t.getBoundingClientRect();
      if (r.height > 0 && t.textContent.trim()) least = Math.min(least, r.height);
    }
    return { least, focusable: [...document.querySelectorAll('.chart')].every((c) => c.tabIndex >= 0) };
  });
}

/** Opens each page, then at each width checks it fits, its charts read, and axe passes. */
async function checkAll(context, who, paths, results) {
  const page = await openPage(context);
  const shots = process.env.FIT_SHOTS;
  if (shots) mkdirSync(shots, { recursive: true });
  for (const [label, path, prepare] of paths) {
    page.problems.length = 0;
    await page.goto(`${server.base}${path}`);
    await hydrated(page);
    if (prepare) await prepare(page);
    // The 404 page's own status is the one error its console may show.
    const problems = page.problems.filter((p) => !(label === 'not-found' && /status of 404/.test(p)));
    results.problems.push(...problems.map((p) => `${who} ${label} (${path}): ${p}`));
    for (const width of WIDTHS) {
      await page.setViewportSize({ width, height: 900 });
      await page.waitForTimeout(50);
      const f = await fit(page);
      const where = `${who} ${label} (${path}) at ${width}px`;
      results.checked.push(`${where}: ${f.scrollWidth}`);
      if (f.scrollWidth > f.innerWidth) results.problems.push(`${where} is ${f.scrollWidth}px wide: ${f.out.join('; ')}`);
      const text = await chartText(page);
      if (text.least < Infinity) results.charts.push({ where, width, ...text });
      for (const v of await seriousViolations(page)) results.problems.push(`${where}: ${v}`);
      if (shots) await page.screenshot({ path: join(shots, `${who}-${label}-${width}.png`), fullPage: true });
    }
  }
}

/** Opens the page's first `<details>` matching `selector` (a disclosure opened by a click). */
const opening = (selector) => async (page) => {
  await page.locator(`${selector} > summary`).first().click();
  assert.equal(await page.locator(selector).first().getAttribute('open'), '', `${selector} opens`);
};

test('every page fits 390, 768 and 1280 px without scrolling sideways, and passes axe', async () => {
  const results = { checked: [], problems: [], charts };
  // A fresh installation: the welcome and sign-up pages offer to create the administrator.
  const fresh = await checker(undefined);
  await checkAll(fresh, 'fresh', [['home', '/'], ['signup', '/signup']], results);
  await fresh.close();

  // The owner fills a review in a plain (JavaScript off) context, so each Save is a page load.
  const filling = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const owner = await openPage(filling);
  const id = await wellFilledReview(owner);

  // Results with everything on them.
  await owner.goto(`${server.base}/assessments/${id}/results`);
  const main = await owner.locator('main').innerText();
  assert.match(main, /[1-9]\d* high risks?/);
  assert.ok(await owner.locator('table.checks tbody tr').count() > 0, 'quantitative checks are shown');
  assert.ok(await owner.locator('table.checklist tbody tr').count() > 0, 'the checklist is shown');
  assert.ok(await owner.locator('.chart svg').count() >= 3, 'score bars, a diagram and the cost chart are drawn');
  assert.match(main, /Cost: serverless against containers/);

  // A share link, made on the review's Share page (the results page's Share button leads there).
  await owner.getByRole('link', { name: 'Share', exact: true }).click();
  await owner.waitForURL(/\/share$/);
  await owner.getByRole('button', { name: 'Make a share link' }).click();
  const share = new URL(await owner.locator('input[value*="/share/"]').first().inputValue()).pathname;

  // A milestone.
  await owner.goto(`${server.base}/assessments/${id}/milestones`);
  await owner.getByLabel('Name').fill('First pass');
  await owner.getByRole('button', { name: 'Save a milestone' }).click();
  await owner.waitForURL(/milestones/);
  // An answer changed since, so the milestones page shows a diff.
  await owner.goto(`${server.base}/assessments/${id}/review/workload_fit`);
  await owner.locator('#q-peak_rps-value').fill('2500');
  await save(owner);
  await owner.goto(`${server.base}/assessments/${id}/milestones`);
  const milestone = await owner.locator(`a[href^="/assessments/${id}/milestones/"]`).first().getAttribute('href');

  // An API token, listed on the account page.
  await owner.goto(`${server.base}/account`);
  await owner.getByLabel('What it is for').fill('CI gate for the order service pipeline');
  await owner.getByRole('button', { name: 'Make a token' }).click();
  await owner.waitForLoadState();

  // The team, and an invite for a viewer.
  await owner.goto(`${server.base}/account`);
  const team = await owner.locator('a[href^="/teams/"]').first().getAttribute('href');
  await owner.goto(`${server.base}${team}`);
  await owner.locator('#invite-role').selectOption('viewer');
  await owner.getByRole('button', { name: 'Make a one-time invite link' }).click();
  const invite = new URL(await owner.locator('input[value*="/invites/"]').first().inputValue()).pathname;
  // A second invite nobody uses: the team and Share pages list it, with Revoke.
  await owner.goto(`${server.base}${team}`);
  await owner.locator('#invite-role').selectOption('editor');
  await owner.getByRole('button', { name: 'Make a one-time invite link' }).click();
  await owner.locator('input[value*="/invites/"]').first().waitFor();

  // A webhook of the team, with a test delivery in its log.
  await owner.goto(`${server.base}${team}/webhooks`);
  await owner.getByLabel('Address (https)').fill('https://93.184.216.34/trellis/hooks/a-rather-long-path-for-a-narrow-screen');
  await owner.getByLabel('Risk opened').check();
  await owner.getByLabel('Blockers changed').check();
  await owner.getByRole('button', { name: 'Add the webhook' }).click();
  await owner.getByRole('link', { name: 'Done' }).click();
  await owner.getByRole('button', { name: 'Send test' }).click();
  await owner.waitForLoadState();

  // The questionnaire detail page: the built-in one.
  await owner.goto(`${server.base}/questionnaires`);
  const questionnaire = await owner.locator('a[href^="/questionnaires/"]:not([href$=".json"])').first().getAttribute('href');

  const ownerPaths = [
    ['home', '/'],
    ['home-new-review', '/', opening('details.new-review')],
    ['home-more', '/', opening('details.more')],
    ['catalog', '/catalog'],
    ['api', '/api'],
    ['questionnaires', '/questionnaires'],
    ['questionnaire', questionnaire],
    ['account', '/account'],
    ['team', team],
    ...AREAS.map((a) => [`review-${a}`, `/assessments/${id}/review/${a}`]),
    ['results', `/assessments/${id}/results`],
    ['share-page', `/assessments/${id}/share`],
    ['milestones', `/assessments/${id}/milestones`],
    ['milestone', milestone],
    ['starter', `/assessments/${id}/scaffold`],
    ['evidence', `/assessments/${id}/evidence`],
    ['tags', `/assessments/${id}/tags`],
    ['lens', `/assessments/${id}/lens`],
    ['question', `/assessments/${id}/questions/peak_rps`],
    ['portfolio', '/portfolio'],
    ['needs-me', '/me'],
    ['security', '/account/security'],
    ['webhooks', `${team}/webhooks`, opening('details.delivery-log')],
    ['webhooks-refused', `${team}/webhooks?field=add-url&error=${encodeURIComponent('10.0.0.8 is a private address: webhooks go only to public ones')}&url=https%3A%2F%2F10.0.0.8%2Fhook#add-url`],
    ['share', share],
    ['invite', invite],
    ['not-found', '/no/such/page'],
  ];
  const anonymousPaths = [
    ['home', '/'],
    ['signin', '/signin'],
    ['signup', '/signup'],
    ['catalog', '/catalog'],
    ['share', share],
    ['invite', invite],
    ['not-found', '/no/such/page'],
  ];

  // The viewer signs up, accepts the invite, and reads the review.
  const joining = await browser.newContext({ javaScriptEnabled: false });
  const viewer = await openPage(joining);
  await signUp(viewer, server.base, false, 'Vic Viewer');
  await viewer.goto(`${server.base}${invite}`);
  await viewer.getByRole('button', { name: 'Accept the invite' }).click();
  await viewer.waitForLoadState();
  await viewer.goto(`${server.base}/assessments/${id}/results`);
  assert.match(await viewer.locator('main').innerText(), /See the answers/, 'the viewer reads the review');
  const viewerPaths = [
    ...AREAS.map((a) => [`review-${a}`, `/assessments/${id}/review/${a}`]),
    ['results', `/assessments/${id}/results`],
  ];

  const sessions = [
    ['signed-out', undefined, anonymousPaths],
    ['owner', await filling.storageState(), ownerPaths],
    ['viewer', await joining.storageState(), viewerPaths],
  ];
  for (const [who, state, paths] of sessions) {
    const context = await checker(state);
    await checkAll(context, who, paths, results);
    await context.close();
  }
  await filling.close();
  await joining.close();
  if (process.env.FIT_REPORT) console.log(results.checked.join('\n'));
  console.log(`responsive: ${results.checked.length / WIDTHS.length} pages x ${WIDTHS.length} widths = ${results.checked.length} checked`);
  // Where the page is wide enough the charts read at (nearly) their drawn size. A phone's page
  // is half a chart's drawn width: there they shrink, but no further than to fit.
  for (const c of charts) {
    if (c.width >= 768 && c.least < 10) results.problems.push(`${c.where}: chart text drawn ${c.least.toFixed(1)}px high`);
    if (c.least < 6) results.problems.push(`${c.where}: chart text drawn ${c.least.toFixed(1)}px high`);
  }
  assert.deepEqual(results.problems, []);
});

test('chart text is drawn at least 10 px high at 390 px too', () => {
  assert.ok(charts.length > 0, 'the first test measured the charts');
  // On a phone a chart keeps a readable size and scrolls in its own box (which takes the focus).
  const small = charts.filter((c) => c.least < 10);
  assert.deepEqual(small.map((c) => `${c.where}: ${c.least.toFixed(1)}px`), []);
});
