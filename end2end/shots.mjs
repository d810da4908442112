// Screenshots of a fully answered review's results page at 390 and 1280 px (note material).
import { startServer, launch, openPage, signUp, startReview } from './tests/support.mjs';

const out = process.argv[2];
const server = await startServer();
const browser = await launch();
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await openPage(context);
  await signUp(page, server.base);
  const id = await startReview(page, server.base, 'Orders platform');
  // The answers file through the REST API, with the session's cookie.
  const json = JSON.parse(process.env.ANSWERS_JSON);
  const r = await page.request.put(`${server.base}/api/v1/assessments/${id}/answers-file`, {
    data: json, headers: { 'content-type': 'application/json', accept: 'application/json', origin: server.base },
  });
  if (!r.ok()) throw new Error(`answers file: ${r.status()} ${await r.text()}`);
  for (const width of [1280, 390]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`${server.base}/assessments/${id}/results`);
    const size = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.scrollHeight]);
    console.log(`results at ${width}: ${size[0]} x ${size[1]} px`);
    await page.screenshot({ path: `${out}-results-${width}.png`, fullPage: true });
    await page.screenshot({ path: `${out}-results-${width}-top.png` });
  }
} finally {
  await browser.close();
  server.stop();
}
