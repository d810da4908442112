// Starter projects in a real browser: from the results page to the starter page, choosing a
// runtime with the form (JavaScript off too), previewing a file, and downloading the zip the
// preview described; the page passes axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
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

for (const javaScriptEnabled of [true, false]) {
  test(`a starter is chosen, previewed and downloaded (JavaScript ${javaScriptEnabled ? 'on' : 'off'})`, async () => {
    const context = await browser.newContext({ javaScriptEnabled, acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    const page = await openPage(context);
    const id = await startReview(page, server.base, 'Loyalty points API', javaScriptEnabled);
    await page.getByLabel('Spiky or unpredictable bursts, quiet in between').check();
    await page.getByLabel('API Gateway HTTP API').check();
    await page.locator('#q-peak_rps-value').fill('300');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await page.waitForURL(/\?saved/);

    await page.goto(`${server.base}/assessments/${id}/results`);
    await page.getByRole('link', { name: 'Starter project' }).first().click();
    await page.waitForURL(/\/scaffold/);
    await page.getByRole('heading', { level: 1, name: 'Starter project for Loyalty points API' }).waitFor();
    assert.equal(await page.locator('#pattern').inputValue(), 'api_lambda_dynamodb', 'the top recommendation is chosen');

    // Choose TypeScript with the plain form; the URL names the whole choice.
    await page.locator('#runtime').selectOption('typescript');
    await page.getByRole('button', { name: 'Show this starter' }).click();
    await page.waitForURL(/runtime=typescript/);
    const share = await page.locator('#share').inputValue();
    assert.match(share, /\/scaffold\?pattern=api_lambda_dynamodb&runtime=typescript&iac=sam$/);

    // The controls table carries the answer that set the API throttle.
    const throttle = page.locator('table.controls tr', { hasText: 'API throttling' });
    assert.match(await throttle.innerText(), /ThrottlingRateLimit: 450/);

    // Preview a file from the tree.
    await page.locator('nav.tree').getByRole('link', { name: 'template.yaml', exact: true }).click();
    await page.waitForURL(/file=template\.yaml/);
    assert.match(await page.locator('.file pre').innerText(), /AWS::Serverless-2016-10-31/);
    if (javaScriptEnabled) {
      // axe runs as page script, so only where scripts run.
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, 'scaffold');
    }

    // The download is the starter the page describes.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: /^Download .*\.zip$/ }).click(),
    ]);
    assert.equal(download.suggestedFilename(), 'loyalty-points-api-api-lambda-dynamodb-typescript.zip');

    // The same starter as a CDK app: the template gives way to infra/, and the page says so.
    await page.locator('#iac').selectOption('cdk');
    await page.getByRole('button', { name: 'Show this starter' }).click();
    await page.waitForURL(/iac=cdk/);
    assert.match(await page.locator('p.lede').innerText(), /with the AWS CDK \(TypeScript\)/);
    const tree = page.locator('nav.tree');
    assert.equal(await tree.getByRole('link', { name: 'template.yaml', exact: true }).count(), 0);
    await tree.getByRole('link', { name: 'stack.ts', exact: true }).click();
    await page.waitForURL(/file=infra(%2F|\/)lib(%2F|\/)stack\.ts/);
    assert.match(await page.locator('.file pre').innerText(), /new CfnResource\(this, "ItemsTable", \{\n\s+type: "AWS::DynamoDB::Table"/);
    assert.match(await page.locator('#iac-note').innerText(), /Terraform is not offered/);
    if (javaScriptEnabled) {
      assert.deepEqual(await seriousViolations(page), []);
      await screenshot(page, 'scaffold-cdk');
      await page.setViewportSize({ width: 390, height: 844 });
      assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'nothing overflows at 390 px');
      await screenshot(page, 'scaffold-cdk-390');
    }
    assert.deepEqual(page.problems, []);
    await context.close();
  });
}
