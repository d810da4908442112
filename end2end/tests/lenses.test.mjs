// Imported AWS Well-Architected custom lenses in a real browser: each of the six real lenses is
// uploaded on the questionnaires page, reviewed (an answer saved, its results shown) and exported
// back with the same pillars, questions and choices; a lens with errors is refused with its
// findings and nothing is imported (JavaScript off). The pages pass axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer, launch, openPage, seriousViolations, screenshot, signUp, hydrated } from './support.mjs';

const lensDir = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'questionnaires', 'tests', 'lenses');

// Pillars, questions and choices of each file, counted from the files themselves.
const lenses = [
  ['01_orr_whitepaper_sample.json', 3, 16, 38],
  ['02_aws_passport.json', 1, 11, 22],
  ['03_apigw_lambda_v0.1.json', 4, 21, 63],
  ['04_cognito_v1.0.json', 5, 42, 161],
  ['05_s3_lens.json', 6, 35, 162],
  ['06_waf_custom_lens_automation_sample.json', 5, 6, 24],
];

function counts(lens) {
  const questions = lens.pillars.flatMap((p) => p.questions);
  return [lens.pillars.length, questions.length, questions.reduce((n, q) => n + q.choices.length, 0)];
}

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

test('the six real lenses import, are answered and export back', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openPage(context);
  await signUp(page, server.base);
  for (const [file, pillars, questions, choices] of lenses) {
    const original = JSON.parse(readFileSync(join(lensDir, file), 'utf8'));
    assert.deepEqual(counts(original), [pillars, questions, choices], `${file}: the fixture's counts`);

    await page.goto(`${server.base}/questionnaires`);
    await page.locator('#lens').setInputFiles(join(lensDir, file));
    await page.getByRole('button', { name: 'Check and import' }).click();
    await page.waitForURL(/\/questionnaires\/lens-[0-9a-f]+\?version=1$/);
    const lede = await page.locator('p.lede').innerText();
    assert.match(lede, new RegExp(`${pillars} pillars?, ${questions} questions, ${choices} choices`), file);
    const lensId = new URL(page.url()).pathname.split('/')[2];
    if (file.startsWith('03')) {
      // This lens has rules that can never fire: the version keeps the linter's warnings.
      assert.match(await page.locator('#lint').locator('..').innerText(), /unreachable-rule/);
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, 'lens-detail');
    }

    // Start a review on it; the home page's form has the lens preselected.
    await page.getByRole('link', { name: 'Start a review on it' }).click();
    await page.waitForURL(/\/\?questionnaire=lens-/);
    await hydrated(page);
    assert.equal(await page.locator('#new-questionnaire').inputValue(), lensId);
    await page.getByLabel('Workload name').fill(`Review on ${file}`);
    await page.getByRole('button', { name: 'Start a review' }).click();
    await page.waitForURL(new RegExp(`/review/${original.pillars[0].id}$`));
    await hydrated(page);

    if (file.startsWith('03')) {
      // Choice descriptions and helpful resources show as help under each choice.
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, 'lens-review');
    }

    // Answer the first question with its first choice.
    const first = original.pillars[0].questions[0];
    await page.locator(`#q-${first.id} input[type=checkbox]`).first().check();
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\?saved/);
    const id = new URL(page.url()).pathname.split('/')[2];
    await page.goto(`${server.base}/assessments/${id}/results`);
    assert.match(await page.locator('.results-head').innerText(), new RegExp(`1 of ${questions} questions answered`));
    assert.match(await page.locator('#recs-h + p').innerText(), /imported lens/);
    if (file.startsWith('05')) {
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, 'lens-results');
    }

    // Export it back: the same pillars, questions and choices, by id.
    const exported = await (await page.request.get(`${server.base}/questionnaires/${lensId}/lens.json`)).json();
    assert.equal(exported.schemaVersion, '2021-11-01');
    assert.deepEqual(counts(exported), [pillars, questions, choices], `${file}: exported counts`);
    const ids = (lens) => lens.pillars.flatMap((p) => p.questions.flatMap((q) => [q.id, ...q.choices.map((c) => `${q.id}.${c.id}`)]));
    assert.deepEqual(ids(exported), ids(original), `${file}: exported ids`);
  }
  await page.goto(`${server.base}/questionnaires`);
  assert.equal(await page.locator('#imported + div table tbody tr').count(), lenses.length);
  assert.deepEqual(await seriousViolations(page), []);
  await screenshot(page, 'questionnaires');
  assert.deepEqual(page.problems, []);
  await context.close();
});

test('a lens with errors is refused with its findings, and nothing is imported (JavaScript off)', async () => {
  const context = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 1280, height: 900 } });
  const page = await openPage(context);
  await signUp(page, server.base, false);
  const lens = JSON.parse(readFileSync(join(lensDir, '06_waf_custom_lens_automation_sample.json'), 'utf8'));
  const question = lens.pillars[0].questions[0];
  delete question.choices[0].improvementPlan;
  question.riskRules = question.riskRules.filter((r) => r.condition !== 'default');
  const file = join(mkdtempSync(join(tmpdir(), 'trellis-lens-')), 'broken.json');
  writeFileSync(file, JSON.stringify(lens));

  await page.goto(`${server.base}/questionnaires`);
  await page.locator('#lens').setInputFiles(file);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Check and import' }).click(),
  ]);
  assert.equal(response.status(), 422);
  const findings = await page.locator('#findings').locator('..').innerText();
  assert.match(findings, /missing-improvement-plan/);
  assert.match(findings, /missing-default/);
  assert.match(findings, new RegExp(question.id));
  assert.match(await page.locator('#findings').innerText(), /not imported/);
  assert.equal(await page.locator('#imported + p.empty').count(), 1, 'no lens was imported');
  await screenshot(page, 'lens-refused');
  await context.close();
});
