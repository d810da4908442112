// Single sign-on through a real OpenID provider: `oidc-provider` runs in this process on a local
// port (its development login page takes any name), and Trellis is configured for it. Chromium
// signs in through the provider: the account is made at the first sign-in and the groups claim
// puts it in a team. The provider's token endpoint can be told to tamper with the ID token it
// issues (re-signed with the provider's own key, so only the claim is wrong): a wrong nonce and an
// expired token are refused with a clear page. A replayed callback is refused, and a provider that
// is down gives a clear page, not a 500.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, randomUUID } from 'node:crypto';
import net from 'node:net';
import Provider from 'oidc-provider';
import { startServer, launch, openPage, screenshot } from './support.mjs';

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

const b64url = (buf) => Buffer.from(buf).toString('base64url');

/** How the token endpoint treats the next ID token: 'honest', 'nonce' or 'expired'. */
let tamper = 'honest';

let provider, providerServer, trellis, downTrellis, browser;
const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };

/** The ID token with `change` applied to its claims, signed again with the provider's key. */
function resign(idToken, change) {
  const [header, payload] = idToken.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
  const body = b64url(JSON.stringify(change(claims)));
  const signature = sign('sha256', Buffer.from(`${header}.${body}`), privateKey);
  return `${header}.${body}.${b64url(signature)}`;
}

before(async () => {
  const providerPort = await freePort();
  const issuer = `http://127.0.0.1:${providerPort}`;
  const trellisPort = await freePort();
  const base = `http://127.0.0.1:${trellisPort}`;
  provider = new Provider(issuer, {
    clients: [{
      client_id: 'trellis',
      client_secret: 'a client secret for the test',
      redirect_uris: [`${base}/auth/sso/callback`],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    jwks: { keys: [jwk] },
    pkce: { required: () => true },
    conformIdTokenClaims: false,
    claims: {
      openid: ['sub'],
      email: ['email', 'email_verified'],
      profile: ['name'],
      groups: ['groups'],
    },
    features: { devInteractions: { enabled: true } },
    async findAccount(ctx, id) {
      return {
        accountId: id,
        async claims() {
          return { sub: id, email: `${id}@example.com`, email_verified: true, name: 'Gina Groups', groups: ['eng', 'unmapped'] };
        },
      };
    },
  });
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.path === '/token' && ctx.body && ctx.body.id_token && tamper !== 'honest') {
      const now = Math.floor(Date.now() / 1000);
      ctx.body = {
        ...ctx.body,
        id_token: resign(ctx.body.id_token, (c) => (tamper === 'nonce'
          ? { ...c, nonce: 'not-the-nonce-we-sent' }
          : { ...c, iat: now - 1200, exp: now - 600 })),
      };
    }
  });
  providerServer = provider.listen(providerPort);
  const sso = {
    TRELLIS_OIDC_CLIENT_ID: 'trellis',
    TRELLIS_OIDC_CLIENT_SECRET: 'a client secret for the test',
    TRELLIS_OIDC_REDIRECT_URL: `${base}/auth/sso/callback`,
    TRELLIS_OIDC_SCOPES: 'openid email profile groups',
    TRELLIS_OIDC_NAME: 'Example ID',
    TRELLIS_OIDC_GROUPS: 'eng = Engineering:editor',
  };
  trellis = await startServer({ ...sso, TRELLIS_OIDC_ISSUER: issuer }, trellisPort);
  // A second Trellis whose provider is down (nothing listens at its issuer).
  downTrellis = await startServer({ ...sso, TRELLIS_OIDC_ISSUER: `http://127.0.0.1:${await freePort()}` });
  browser = await launch();
});

after(async () => {
  await browser?.close();
  trellis?.stop();
  downTrellis?.stop();
  providerServer?.close();
});

/** Signs in at the provider's development login page as `login`, consenting if asked. */
async function atProvider(page, login) {
  await page.waitForSelector('input[name=login]');
  await page.fill('input[name=login]', login);
  await page.fill('input[name=password]', 'anything');
  await page.click('button[type=submit]');
  await page.waitForLoadState('load');
  if (await page.locator('input[name=prompt][value=consent]').count() > 0) {
    await page.click('button[type=submit]');
  }
}

test('the first sign-in through the provider makes the account and maps the groups to a team', async () => {
  tamper = 'honest';
  const context = await browser.newContext();
  const page = await openPage(context);
  const callbacks = [];
  page.on('request', (r) => { if (r.url().includes('/auth/sso/callback')) callbacks.push(r.url()); });
  await page.goto(`${trellis.base}/signin?next=/account`);
  await page.getByRole('link', { name: 'Sign in with Example ID' }).click();
  await atProvider(page, 'gina');
  await page.waitForURL(`${trellis.base}/account`);
  await screenshot(page, 'sso-account');
  const text = await page.locator('main').innerText();
  assert.match(text, /Gina Groups/);
  assert.match(text, /gina@example\.com/);
  assert.match(text, /Engineering\s*editor/);

  // The callback, replayed (its state was used): refused, and says so.
  assert.equal(callbacks.length, 1);
  const replay = await page.goto(callbacks[0]);
  assert.equal(replay.status(), 400);
  assert.match(await page.locator('main').innerText(), /not one this browser started, was used already/);

  // A second sign-in finds the same account (by issuer and subject), in a new browser.
  const again = await openPage(await browser.newContext());
  await again.goto(`${trellis.base}/auth/sso?next=/account`);
  await atProvider(again, 'gina');
  await again.waitForURL(`${trellis.base}/account`);
  assert.match(await again.locator('main').innerText(), /gina@example\.com/);
  await context.close();
  await again.context().close();
});

for (const [mode, why] of [['nonce', /nonce/i], ['expired', /expired/i]]) {
  test(`an ID token with a ${mode === 'nonce' ? 'wrong nonce' : 'past expiry'} is refused with a clear page`, async () => {
    tamper = mode;
    const context = await browser.newContext();
    const page = await openPage(context);
    try {
      await page.goto(`${trellis.base}/signin`);
      await page.getByRole('link', { name: 'Sign in with Example ID' }).click();
      await atProvider(page, `tamper-${mode}-${randomUUID().slice(0, 8)}`);
      await page.waitForURL(/\/auth\/sso\/callback/);
      await page.waitForLoadState('load');
      await screenshot(page, `sso-refused-${mode}`);
      const text = await page.locator('main').innerText();
      assert.match(text, /You are not signed in/);
      assert.match(text, /did not pass our checks/);
      assert.match(text, why);
      // No session: the account page asks to sign in.
      await page.goto(`${trellis.base}/account`);
      const account = await page.locator('body').innerText();
      assert.match(account, /Sign in/);
      assert.doesNotMatch(account, /tamper-/);
    } finally {
      tamper = 'honest';
      await context.close();
    }
  });
}

test('a provider that is down gives a clear page, not a 500', async () => {
  const context = await browser.newContext();
  const page = await openPage(context);
  await page.goto(`${downTrellis.base}/signin`);
  const [res] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('/auth/sso')),
    page.getByRole('link', { name: 'Sign in with Example ID' }).click(),
  ]);
  assert.equal(res.status(), 502);
  await page.waitForLoadState('load');
  await screenshot(page, 'sso-provider-down');
  const text = await page.locator('main').innerText();
  assert.match(text, /The sign-in provider did not answer/);
  assert.doesNotMatch(text, /panicked|stack backtrace|Internal Server Error/);
  await page.setViewportSize({ width: 390, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  assert.equal(overflow, false, 'no horizontal overflow at 390 px');
  await context.close();
});
