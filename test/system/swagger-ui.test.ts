/**
 * Swagger UI in a real browser (Debian's chromium driven by playwright-core):
 * needs a port, because the browser talks HTTP to the server. It opens /docs,
 * tries the RTC operation with its prefilled example, then with a bad body, and
 * saves a screenshot to artifacts/ (git-ignored) for CI to keep.
 */
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import t from 'tap';
import { CHROMIUM, openBrowser } from '../support/browser.js';
import { ErrorSchema } from '../../src/schemas/common.js';
import { Value } from '@sinclair/typebox/value';
import { decode007, verify007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE } from '../helper.js';
import { listen, ROOT } from '../tools.js';

/** Debian's chromium; .ci/run installs it when missing (never `npx playwright install`). */
const ARTIFACTS = join(ROOT, 'artifacts');

/** Clicks the RTC operation's Execute; returns the status on the wire and what Swagger UI shows. */
async function executeRtc(page: Page) {
  const block = page.locator('#operations-tokens-createRtcToken');
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/v1/tokens/rtc') && r.request().method() === 'POST'),
    block.locator('button.execute').click(),
  ]);
  const live = block.locator('.live-responses-table tbody .response');
  await live.locator('.response-col_status').waitFor();
  return {
    wireStatus: response.status(),
    shownStatus: (await live.locator('.response-col_status').innerText()).trim(),
    shownBody: JSON.parse(await live.locator('.response-col_description pre').first().innerText()) as Record<string, unknown>,
  };
}

t.test('Swagger UI mints an RTC token and shows a documented 400', async (t) => {
  if (!existsSync(CHROMIUM)) return t.fail(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  const baseUrl = await listen(t);
  const context = await openBrowser(t, { width: 1280, height: 1600 });
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (err) => pageErrors.push(err.message));

  await page.goto(`${baseUrl}/docs`);
  t.equal(await page.title(), 'Agora Token Server — API reference', 'titled for this service');
  await page.locator('.information-container .title').waitFor();
  t.match(await page.locator('.information-container .title').innerText(), /Agora Token Server/);
  const sections = await page.locator('.opblock-tag-section .opblock-tag').allInnerTexts();
  t.match(sections[0], /^tokens/, 'the v1 operations come first');

  const block = page.locator('#operations-tokens-createRtcToken');
  await block.locator('.opblock-summary').click();
  await block.locator('button.try-out__btn').click();
  const body = block.locator('textarea.body-param__text');
  const prefilled = JSON.parse(await body.inputValue()) as Record<string, unknown>;
  t.same(prefilled, { channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 3600 }, 'the example is prefilled');

  const ok = await executeRtc(page);
  t.equal(ok.wireStatus, 200);
  t.equal(ok.shownStatus, '200', 'Swagger UI shows 200');
  t.match(ok.shownBody, { channelName: 'demo-room', uid: 1234, role: 'publisher', version: '007' });
  const token = decode007(String(ok.shownBody.token));
  t.ok(verify007(token, APP_CERTIFICATE), 'the token shown verifies');
  t.match(token, { expire: 3600, services: [{ name: 'rtc', channelName: 'demo-room', uid: '1234', privileges: { 1: 3600, 2: 3600, 3: 3600, 4: 3600 } }] }, 'it is the token asked for');

  await body.fill(JSON.stringify({ channelName: 'demo-room', uid: 1234, expireSeconds: 1_795_863_600 }));
  const bad = await executeRtc(page);
  t.equal(bad.wireStatus, 400);
  t.equal(bad.shownStatus, '400', 'Swagger UI shows 400');
  t.ok(Value.Check(ErrorSchema, bad.shownBody), 'the body has the documented ErrorResponse shape');
  t.match(bad.shownBody, { statusCode: 400, code: 'VALIDATION_ERROR', field: 'expireSeconds', message: /absolute unix timestamp/ });

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'swagger-ui.png'), fullPage: true });

  // The other operations' examples are prefilled too: a body, and path parameters.
  const examples = {
    createRtmToken: { userId: 'alice', expireSeconds: 3600 },
    createRtcRtmTokens: { channelName: 'demo-room', uid: 1234, role: 'publisher', expireSeconds: 3600 },
    createChatToken: { userId: 'alice', expireSeconds: 3600 },
  };
  for (const [operation, example] of Object.entries(examples)) {
    const other = page.locator(`#operations-tokens-${operation}`);
    await other.locator('.opblock-summary').click();
    await other.locator('button.try-out__btn').click();
    t.same(JSON.parse(await other.locator('textarea.body-param__text').inputValue()), example, `${operation}: example prefilled`);
  }
  const legacy = page.locator('#operations-compat-legacyRtcToken');
  await legacy.locator('.opblock-summary').click();
  await legacy.locator('button.try-out__btn').click();
  t.equal(await legacy.locator('tr[data-param-name="channelName"] input').inputValue(), 'demo-room', 'legacyRtcToken: path parameters prefilled');
  t.equal(await legacy.locator('tr[data-param-name="uid"] input').inputValue(), '1234');

  // Authorize: the key is used for requests, and kept in no storage a script on this origin could read.
  const key = 'swagger-ui-test-key-0123456789abcdef';
  await page.locator('.auth-wrapper button.authorize').click();
  const dialog = page.locator('.dialog-ux');
  await dialog.locator('input[type="text"], input[type="password"]').first().fill(key);
  await dialog.locator('button.authorize').first().click();
  await dialog.locator('button.auth-btn-wrapper .btn-done, button.btn-done').first().click().catch(() => undefined);
  const [sent] = await Promise.all([
    page.waitForRequest((r) => r.url().endsWith('/v1/tokens/rtc')),
    page.locator('#operations-tokens-createRtcToken button.execute').click(),
  ]);
  t.equal(sent.headers().authorization, `Bearer ${key}`, 'the key entered is sent');
  const stored = await page.evaluate(() =>
    [localStorage, sessionStorage].flatMap((s) => Object.keys(s).map((k) => `${k}=${s.getItem(k) ?? ''}`)),
  );
  t.notOk(stored.some((entry) => entry.includes(key)), 'no localStorage or sessionStorage entry holds the key');
  t.notOk(stored.some((entry) => entry.startsWith('authorized=')), 'Swagger UI persisted no authorization');

  t.same(pageErrors, [], 'no script errors on the page');
});
