// Discussion and assignment with two people in real browsers: the owner invites an editor,
// assigns them a question and the Observability area, and mentions them in a comment. The
// editor sees the count beside "Needs me" in the top bar, the list on /me, answers in respondent
// mode (only what is theirs, in the rail and the form, with JavaScript on and off), and replies;
// then the count is gone. The pages pass axe and fit 390 and 1280 px.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { openPage, seriousViolations, screenshot, startReview, signUp, hydrated, overflow, serverAndBrowser } from './support.mjs';

const it = serverAndBrowser();

/** The count beside "Needs me" in the top bar, as shown and as a screen reader hears it. */
async function needsMe(page) {
  const link = page.locator('header.masthead a.needs-me');
  await link.waitFor();
  const badge = link.locator('.badge');
  return {
    shown: (await badge.count()) ? (await badge.innerText()).trim() : '',
    heard: (await link.locator('.sr-only').count()) ? (await link.locator('.sr-only').innerText()).trim() : '',
  };
}

/** Checks a page at 390 and 1280 px: no horizontal overflow, no serious axe violation. */
async function fits(page, name) {
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 900 });
    assert.equal(await overflow(page), false, `${name}: no horizontal overflow at ${width} px`);
    assert.deepEqual(await seriousViolations(page), [], `${name} at ${width} px`);
    await screenshot(page, `discussion-${name}-${width}`);
  }
}

test('an owner assigns and mentions an editor, who answers in respondent mode and replies', async () => {
  const { server, browser } = it;
  const ownerContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const owner = await openPage(ownerContext);
  const id = await startReview(owner, server.base, 'Order service');
  assert.equal((await needsMe(owner)).shown, '', 'nothing needs a new owner');

  // An editor joins the team through a one-time invite.
  await owner.goto(`${server.base}/account`);
  const team = await owner.locator('a[href^="/teams/"]').first().getAttribute('href');
  await owner.goto(`${server.base}${team}`);
  await owner.locator('#invite-role').selectOption('editor');
  await owner.getByRole('button', { name: 'Make a one-time invite link' }).click();
  const invite = new URL(await owner.locator('input[value*="/invites/"]').first().inputValue()).pathname;
  const editorContext = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const editor = await openPage(editorContext);
  await signUp(editor, server.base, true, 'Eve Editor');
  await editor.goto(`${server.base}${invite}`);
  await editor.getByRole('button', { name: 'Accept the invite' }).click();
  await editor.waitForLoadState();

  // The owner opens a question's discussion from the review page, assigns it, and the whole
  // Observability area, to the editor, and mentions them.
  await owner.goto(`${server.base}/assessments/${id}/review/cost`);
  await hydrated(owner);
  await owner.locator('#q-memory_mb-meta').getByRole('link', { name: /^Discuss/ }).click();
  await owner.waitForURL(/\/questions\/memory_mb$/);
  await owner.locator('#assignee').selectOption({ label: 'Eve Editor' });
  await owner.locator('form.assign-form', { has: owner.locator('#assignee') }).getByRole('button', { name: 'Assign' }).click();
  await owner.waitForURL(/\/questions\/memory_mb/);
  assert.match(await owner.locator('main').innerText(), /This question: Eve Editor/);
  await owner.goto(`${server.base}/assessments/${id}/questions/log_retention`);
  await owner.locator('#area-assignee').selectOption({ label: 'Eve Editor' });
  await owner.locator('form.assign-form', { has: owner.locator('#area-assignee') }).getByRole('button', { name: 'Assign' }).click();
  await owner.waitForURL(/\/questions\/log_retention/);
  await owner.goto(`${server.base}/assessments/${id}/questions/memory_mb`);
  await owner.getByLabel('Add a comment').fill('@EveEditor can you confirm the **memory size** from the load test?');
  await owner.getByRole('button', { name: 'Comment' }).click();
  await owner.waitForURL(/\/questions\/memory_mb/);
  assert.match(await owner.locator('#comments').innerText(), /Discussion \(1\)[\s\S]*can you confirm the memory size/);

  // The editor's top bar counts the question, the area and the mention.
  await editor.goto(`${server.base}/`);
  const before = await needsMe(editor);
  assert.equal(before.shown, '3', 'a question, an area and a mention need the editor');
  assert.match(before.heard, /3 items need you/);

  // Needs me lists them, by title, and opening it marks the mention seen.
  await editor.locator('header.masthead').getByRole('link', { name: /Needs me/ }).click();
  await editor.waitForURL(/\/me$/);
  const list = await editor.locator('main').innerText();
  assert.match(list, /Assigned to me \(2\)/);
  assert.match(list, /How much memory do the main functions need, in MB\?/);
  assert.match(list, /Observability/);
  assert.match(list, /Mentions \(1\)[\s\S]*New[\s\S]*can you confirm the memory size/);
  assert.doesNotMatch(list, /memory_mb|observability ·/, 'titles, not ids');
  await fits(editor, 'needs-me');
  await editor.setViewportSize({ width: 1280, height: 900 });

  // Respondent mode: the assigned question's link opens its area with only what is theirs.
  await editor.locator('section', { has: editor.locator('#assigned') }).getByRole('link', { name: 'How much memory do the main functions need, in MB?' }).click();
  await editor.waitForURL(/\/review\/cost\?mine=1/);
  await hydrated(editor);
  const note = await editor.locator('.notice.respondent').innerText();
  assert.match(note, /Showing 1 of the \d+ questions in this area: those assigned to you\./);
  assert.match(note, /a view, not a permission/);
  assert.equal(await editor.locator('fieldset.question:not([hidden])').count(), 1, 'one question shown');
  const rail = await editor.getByRole('navigation', { name: 'Areas assigned to you' }).innerText();
  assert.match(rail, /Cost\s+0\/1/);
  assert.match(rail, /Observability\s+0\/\d+/);
  assert.doesNotMatch(rail, /Security|Reliability/, 'only the areas assigned');
  assert.match(await editor.locator('#q-memory_mb-meta').innerText(), /Answered by Eve Editor/);
  await fits(editor, 'respondent');
  await editor.setViewportSize({ width: 1280, height: 900 });

  // The answer saves in the background; the rail and the bar count only the editor's question.
  await editor.locator('#q-memory_mb-value').fill('1024');
  await editor.locator('#q-memory_mb-value').blur();
  await editor.getByText('All changes saved').waitFor();
  assert.match(await editor.locator('#rail-cost-count').innerText(), /^1\/1$/);
  assert.match(await editor.locator('.progress-count').innerText(), /1 of 1 answered/);

  // The rail and "Save and continue" stay in respondent mode: Cost is the last of the
  // editor's areas, and Observability continues to it.
  assert.equal(await editor.getByRole('button', { name: 'Save and see results' }).count(), 1);
  await editor.getByRole('navigation', { name: 'Areas assigned to you' }).getByRole('link', { name: /Observability/ }).click();
  await editor.waitForURL(/\/review\/observability\?mine=1$/);
  assert.match(await editor.locator('.notice.respondent').innerText(), /Showing (\d+) of the \1 questions in this area/);
  await hydrated(editor);
  await editor.getByRole('button', { name: 'Save and continue' }).click();
  await editor.waitForURL(/\/review\/cost\?mine=1$/);

  // With JavaScript off the mode holds through a plain Save.
  const plainContext = await browser.newContext({ javaScriptEnabled: false, storageState: await editorContext.storageState() });
  const plain = await openPage(plainContext);
  await plain.goto(`${server.base}/assessments/${id}/review/cost?mine=1`);
  await plain.getByRole('button', { name: 'Save', exact: true }).click();
  await plain.waitForURL(/\/review\/cost\?mine=1&saved$/);
  assert.equal(await plain.locator('fieldset.question').count(), 1, 'still only the editor\'s question');
  await plain.getByRole('link', { name: 'Show every question' }).click();
  await plain.waitForURL(/\/review\/cost$/);
  assert.ok(await plain.locator('fieldset.question').count() > 1, 'every question again');
  assert.match(await plain.locator('.notice.respondent').innerText(), /assigned to you/);
  await plainContext.close();

  // The editor replies under the question.
  await editor.goto(`${server.base}/assessments/${id}/review/cost?mine=1`);
  await editor.locator('#q-memory_mb-meta').getByRole('link', { name: /^Discussion \(1\)/ }).click();
  await editor.waitForURL(/\/questions\/memory_mb$/);
  await editor.getByLabel('Add a comment').fill('Confirmed: 1024 MB, from the load test of 3 December.');
  await editor.getByRole('button', { name: 'Comment' }).click();
  await editor.waitForURL(/\/questions\/memory_mb/);
  await fits(editor, 'question');

  // What is left: the Observability area, unanswered; the mention was seen, the question answered.
  await editor.goto(`${server.base}/`);
  assert.equal((await needsMe(editor)).shown, '1', 'only the area is left');
  await owner.goto(`${server.base}/assessments/${id}/questions/memory_mb`);
  assert.match(await owner.locator('#comments').innerText(), /Discussion \(2\)[\s\S]*Eve Editor[\s\S]*Confirmed: 1024 MB/);
  assert.equal((await needsMe(owner)).shown, '', 'nothing needs the owner');

  for (const page of [owner, editor]) assert.deepEqual(page.problems, []);
  await ownerContext.close();
  await editorContext.close();
});
