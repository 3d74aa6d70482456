/**
 * GET /inspect and its two files, by inject: what is served, with which type,
 * cache and CSP headers; whether the page asks for credentials follows AUTH_MODE.
 * The page's behaviour in a browser is test/system/inspect-page-browser.test.ts.
 */
import t from 'tap';
import { API_CSP, PAGE_CSP } from '../../src/plugins/security.js';
import { API_KEY, build } from '../helper.js';

t.test('the page, its script and its stylesheet, under the page CSP', async (t) => {
  const app = await build(t);
  const files: [string, RegExp, RegExp][] = [
    ['/inspect', /^text\/html; charset=utf-8$/, /<link rel="icon" href="\/inspect\/icon.svg"[\s\S]*<script src="\/inspect\/inspect.js" defer><\/script>/],
    ['/inspect/', /^text\/html/, /<title>Agora Token Server — token inspector<\/title>/],
    ['/inspect/inspect.js', /^text\/javascript; charset=utf-8$/, /fetch\('\/v1\/tokens\/inspect'/],
    ['/inspect/inspect.css', /^text\/css; charset=utf-8$/, /#problems/],
    // Named by the page, so no browser asks for /favicon.ico (a 404 in the console).
    ['/inspect/icon.svg', /^image\/svg\+xml$/, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/],
  ];
  for (const [url, type, body] of files) {
    const res = await app.inject({ method: 'GET', url });
    t.equal(res.statusCode, 200, url);
    t.match(res.headers['content-type'], type, `${url}: content type`);
    t.match(res.body, body, `${url}: the right file`);
    t.equal(res.headers['content-security-policy'], PAGE_CSP, `${url}: page CSP`);
    t.equal(res.headers['cache-control'], 'no-cache', `${url}: revalidated, so page and script change together`);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
  }
  t.match((await app.inject({ method: 'GET', url: '/inspect' })).body, /<body data-auth="none">/, 'no auth: no credential field');
  t.equal((await app.inject({ method: 'POST', url: '/v1/tokens/inspect', payload: {} })).headers['content-security-policy'], API_CSP, 'the endpoint keeps the API CSP');
  t.equal((await app.inject({ method: 'GET', url: '/inspectx' })).statusCode, 404, 'only the page and its files');
  const spec = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
  t.notOk(Object.keys(spec.paths).some((p) => p.startsWith('/inspect')), 'the page is no API operation');
});

t.test('with auth on, the page asks for the credential; the page itself needs none', async (t) => {
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS: `ops:${API_KEY}` });
  const res = await app.inject({ method: 'GET', url: '/inspect' });
  t.equal(res.statusCode, 200);
  t.match(res.body, /<body data-auth="required">/);
});
