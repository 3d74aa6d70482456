/**
 * The token inspector page in a real browser (Debian's chromium driven by
 * playwright-core), against a server on a loopback port with API keys on: it asks
 * for the credential after the 401, shows the decoded token, its problems and
 * counting-down expiries, stores nothing, and runs under its CSP without a single
 * violation. Saves artifacts/inspect.png (git-ignored) for CI to keep.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import t from 'tap';
import { CHROMIUM, openBrowser } from '../support/browser.js';
import { PAGE_CSP } from '../../src/plugins/security.js';
import { createTokenMinter } from '../../src/tokens/mint.js';
import { API_KEY, APP_CERTIFICATE, APP_ID, build, nowUnix } from '../helper.js';
import { ROOT } from '../tools.js';
import { waitFor } from '../support/wait.js';

const ARTIFACTS = join(ROOT, 'artifacts');

t.test('the inspector page explains a bad token, asks for the credential and keeps nothing', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS: `ops:${API_KEY}` });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const baseUrl = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;

  // A token with several things wrong: another certificate signed it, its join privilege ended after 60 s,
  // and it was minted for the user account "01234", which is no integer uid.
  const issued = nowUnix() - 300;
  const foreign = createTokenMinter({ appId: APP_ID, appCertificate: '00000000000000000000000000000001' }, { now: () => issued });
  const bad = foreign.rtc({ channelName: 'demo-room', userAccount: '01234', role: 'publisher', expireSeconds: 3600, privilegeExpireSeconds: 60, version: '007' }).token;
  const good = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }).rtc({ channelName: 'demo-room', uid: 1234, role: 'subscriber', expireSeconds: 600, version: '007' }).token;

  const context = await openBrowser(t, { width: 1100, height: 1200 });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  const consoleLines: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => consoleLines.push(m.text()));
  const requested: string[] = [];
  page.on('request', (r) => requested.push(new URL(r.url()).pathname));

  const response = await page.goto(`${baseUrl}/inspect`);
  t.equal(response?.headers()['content-security-policy'], PAGE_CSP, 'the page is served under its strict CSP');
  t.equal(await page.title(), 'Agora Token Server — token inspector');
  t.ok(await page.locator('#credential').isVisible(), 'auth is on: the page asks for a credential from the start');

  const inspect = async () => {
    const [request, res] = await Promise.all([
      page.waitForRequest((r) => r.url() === `${baseUrl}/v1/tokens/inspect`),
      page.waitForResponse((r) => r.url() === `${baseUrl}/v1/tokens/inspect`),
      page.locator('button[type=submit]').click(),
    ]);
    return { request, status: res.status() };
  };

  await page.locator('#token').fill(bad);
  await page.locator('#channelName').fill('demo-room');
  await page.locator('#identity').fill('1234');
  const anonymous = await inspect();
  t.equal(anonymous.status, 401);
  await page.locator('#status.error').waitFor();
  t.match(await page.locator('#status').innerText(), /needs an API key or bearer token/, 'a 401 asks for the credential');
  t.equal(await page.evaluate('document.activeElement?.id'), 'credential', 'and puts the cursor in its field');

  await page.locator('#credential').fill(API_KEY);
  const authed = await inspect();
  t.equal(authed.status, 200);
  t.equal(authed.request.headers().authorization, `Bearer ${API_KEY}`, 'the credential goes in the Authorization header');
  t.same(JSON.parse(authed.request.postData() ?? '{}'), { token: bad, channelName: 'demo-room', uid: 1234 }, 'the uid is sent as a number');
  await page.locator('#result').waitFor();

  t.equal(await page.locator('#verdict').innerText(), 'Agora would reject this token');
  const codes = await page.locator('#problems li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-code')));
  t.same(codes.sort(), ['ACCOUNT_TOKEN_USED_WITH_UID', 'PRIVILEGE_EXPIRED', 'PRIVILEGE_EXPIRED', 'PRIVILEGE_EXPIRED', 'PRIVILEGE_EXPIRED', 'SIGNATURE_INVALID']);
  t.match(await page.locator('#problems li[data-code=ACCOUNT_TOKEN_USED_WITH_UID]').innerText(), /Error: The token was minted for the user account "01234", but the app joins with the integer uid 1234/);
  t.match(await page.locator('#summary').innerText(), new RegExp(`App ID\\s+${APP_ID} — this server's[\\s\\S]*Signature\\s+INVALID for this server`));
  const service = page.locator('.service[data-service=rtc]');
  t.match(await service.innerText(), /rtc \(service 1\)[\s\S]*channel "demo-room" · user account "01234"/);
  const joinLeft = service.locator('tr[data-privilege=joinChannel] .countdown');
  t.match(await joinLeft.innerText(), /^expired 4 min \d+ s ago$/, 'the join privilege shows how long ago it ended');
  t.ok(await joinLeft.evaluate((e) => e.classList.contains('expired')));
  const tokenLeft = page.locator('#summary .countdown');
  const first = await tokenLeft.innerText();
  t.match(first, /^expires in 5\d min( \d+ s)?$|^expires in 55 min/, 'the token itself still has ~55 minutes');
  // Polled from here: waitForFunction would evaluate a string, which the page's CSP (rightly) refuses.
  // The page ticks once a second: a generous deadline for a loaded machine, done at the first tick.
  let later = first;
  await waitFor(async () => (later = await tokenLeft.innerText()) !== first, 30_000, 100);
  t.not(later, first, `the countdown ticks (${first} → ${later})`);

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'inspect.png'), fullPage: true });

  // A good token: the verdict flips; text that is no token: the server's message, no result.
  await page.locator('#token').fill(good);
  await inspect();
  await page.locator('#verdict.ok').waitFor();
  t.equal(await page.locator('#problems li').innerText(), 'No problems found.');
  await page.locator('#token').fill('hello');
  t.equal((await inspect()).status, 400);
  await page.locator('#status.error').waitFor();
  t.match(await page.locator('#status').innerText(), /^body\/token is not an Agora token/);
  t.ok(await page.locator('#result').isHidden());
  await page.locator('#identity').fill('alice');
  await page.locator('#status').evaluate((e) => (e.textContent = ''));
  await page.locator('button[type=submit]').click();
  t.match(await page.locator('#status').innerText(), /uid must be a whole number/, 'a non-numeric uid is caught before sending');
  await page.locator('#identity').fill('042');
  await page.locator('#status').evaluate((e) => (e.textContent = ''));
  await page.locator('button[type=submit]').click();
  t.match(await page.locator('#status').innerText(), /without leading zeros/, '"042" is no uid: refused, not sent as 42');

  // 006: the expiry is the privileges' (what Agora checks); the message ts is shown apart, the issue time as unknown.
  const v006 = createTokenMinter({ appId: APP_ID, appCertificate: APP_CERTIFICATE }).rtc({ channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 600, version: '006' });
  await page.locator('#token').fill(v006.token);
  await page.locator('#identity').fill('1234');
  await inspect();
  await page.locator('#verdict.ok').waitFor();
  const summary006 = await page.locator('#summary').innerText();
  t.match(summary006, /Issued\s+not recorded \(a 006 token carries no issue time\)/);
  t.match(summary006, new RegExp(`Expires\\s+${new Date(v006.expiresAt * 1000).toISOString()}`), 'the expiry the mint response gave');
  t.match(summary006, /Message ts\s+\S+ \(unix \d+\) — the signature's own limit/);

  // A name Agora refuses, holding a bidi override: a problem, and shown escaped (it cannot reorder the page).
  const lib = createRequire(import.meta.url)('agora-token/src/AccessToken2.js');
  const hostile = new lib.AccessToken2(APP_ID, APP_CERTIFICATE, nowUnix(), 600);
  const rtc = new lib.ServiceRtc('c\u202e<script>', 0);
  rtc.add_privilege(1, 600);
  hostile.add_service(rtc);
  await page.locator('#token').fill(hostile.build());
  await page.locator('#channelName').fill('');
  await page.locator('#identity').fill('');
  await inspect();
  await page.locator('#problems li[data-code=NAME_NOT_ALLOWED]').waitFor();
  t.match(await page.locator('.service[data-service=rtc] p').innerText(), 'channel "c\\u202e<script>"', 'the name is shown with the override escaped');

  const stored = await page.evaluate('({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie })');
  t.same(stored, { local: 0, session: 0, cookie: '' }, 'nothing stored in the page');
  t.same(await context.cookies(), [], 'no cookie in the browser');
  t.same(consoleLines.filter((l) => /Content Security Policy|Trusted Type/i.test(l)), [], 'no CSP violation');
  t.same(pageErrors, [], 'no script errors');
  t.notOk(requested.includes('/favicon.ico'), 'no /favicon.ico request (the page names its icon)');
  t.ok(requested.includes('/inspect/icon.svg'), 'its own icon, allowed by the CSP');
  t.same(consoleLines.filter((l) => /status of 404/.test(l)), [], 'no 404 in the console (the 401 and 400 above are the API answering)');
});
