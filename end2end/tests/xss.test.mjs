// Cross-site scripting: every payload of a corpus goes into every text field a user can fill
// (workload name, description, note, not-applicable reason, checklist owner, team name), then
// every page that shows those fields is opened in Chromium with JavaScript on. No payload may
// run (each would set window.__xss), and the Content-Security-Policy must report nothing: the
// app's own scripts all carry its nonce.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, openPage, hydrated, signUp } from './support.mjs';

const PAYLOADS = [
  '<script>window.__xss=1</script>',
  '<img src=x onerror="window.__xss=1">',
  '"><script>window.__xss=1</script>',
  "'><img src=x onerror=window.__xss=1>",
  '</textarea><script>window.__xss=1</script>',
  '</title><script>window.__xss=1</script>',
  '</style><script>window.__xss=1</script>',
  '<svg onload="window.__xss=1"></svg>',
  '<svg><script>window.__xss=1</script></svg>',
  'javascript:window.__xss=1',
  '<a href="javascript:window.__xss=1">click</a>',
  '[click](javascript:window.__xss=1) **bold** <iframe src="javascript:window.__xss=1"></iframe>',
  '<details open ontoggle="window.__xss=1">x</details>',
  '{{constructor.constructor("window.__xss=1")()}}',
];
const FIELDS = ['workload name', 'description', 'note', 'not-applicable reason', 'checklist owner', 'team name'];

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

test('no payload in any user field runs, and the CSP reports nothing', async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  const violations = [];
  page.on('console', (m) => {
    if (/Content Security Policy/i.test(m.text())) violations.push(`${page.url()} (payload ${current}): ${m.text()}`);
  });
  await signUp(page, server.base);
  await page.goto(`${server.base}/account`);
  const team = (await page.locator('a[href^="/teams/"]').first().getAttribute('href')).split('/')[2];
  const post = async (path, form) => {
    const r = await page.request.post(`${server.base}${path}`, {
      form,
      headers: { Origin: server.base, Accept: 'text/html' },
      maxRedirects: 0,
    });
    assert.ok(r.status() < 400, `${path}: ${r.status()} ${await r.text()}`);
    return r;
  };
  let tried = 0;
  let current = -1;
  for (const payload of PAYLOADS) {
    current += 1;
    const name = payload.slice(0, 200);
    const created = await post('/api/create_assessment', {
      team, name, description: payload, environment: 'production',
    });
    const id = created.headers().location.split('/')[2];
    await post(`/assessments/${id}/review/workload_fit/save`, {
      'na.traffic_shape': 'on',
      'na_reason.traffic_shape': payload,
      'note.peak_rps': payload,
      'q.peak_rps': '100',
      'v.traffic_shape': '',
      'v.peak_rps': '',
      save: 'stay',
    });
    await post('/api/save_checklist_item', {
      id, item: 'budget_alarm', status: 'open', owner: payload.slice(0, 200), due_date: '',
    });
    await post('/api/rename_team', { team, name: payload.slice(0, 100) });
    const shared = await post(`/assessments/${id}/share-links`, { days: '7' });
    const link = (await shared.text()).match(/value="([^"]*\/share\/[^"]+)"/)[1];
    // An invite to the team named with the payload: its page names the team.
    const invited = await post(`/teams/${team}/invites`, { role: 'viewer' });
    const invite = (await invited.text()).match(/value="([^"]*\/invites\/[^"]+)"/)[1];
    tried += FIELDS.length;

    const pages = [
      '/',
      `/assessments/${id}/review/workload_fit`,
      `/assessments/${id}/results`,
      '/account',
      `/teams/${team}`,
      new URL(link).pathname,
      `/assessments/${id}/share`,
      new URL(invite).pathname,
    ];
    for (const path of pages) {
      await page.goto(`${server.base}${path}`);
      await hydrated(page);
      // Open every <details>, so anything that runs on toggle would run now.
      await page.evaluate(() => document.querySelectorAll('details').forEach((d) => { d.open = true; }));
      await page.waitForTimeout(50);
      const ran = await page.evaluate(() => window.__xss);
      assert.equal(ran, undefined, `payload ran on ${path}: ${payload}`);
    }
    // The payload is shown as text where it was entered, not dropped.
    await page.goto(`${server.base}/assessments/${id}/results`);
    assert.ok((await page.locator('h1').innerText()).includes(name.slice(0, 20)), 'the name is shown as text');
  }
  assert.deepEqual(violations, []);
  assert.deepEqual(page.problems.filter((p) => !/Content Security Policy/i.test(p)), []);
  console.log(`xss corpus: ${PAYLOADS.length} payloads x ${FIELDS.length} fields = ${tried} tried, on 8 pages each`);
  await context.close();
});
