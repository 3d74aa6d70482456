import t from 'tap';
import { BODY_LIMIT, REQUEST_TIMEOUT_MS, serverOptions } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { API_CSP, DOCS_CSP, HELMET_OPTIONS, helmetHeaders } from '../../src/plugins/security.js';
import { baseEnv, build, logLines } from '../helper.js';

t.test('security headers on API responses', async (t) => {
  const app = await build(t);
  for (const res of [
    await app.inject({ method: 'POST', url: '/v1/tokens/rtm', payload: { userId: 'alice' } }),
    await app.inject({ method: 'GET', url: '/healthz' }),
    await app.inject({ method: 'GET', url: '/nowhere' }),
  ]) {
    t.equal(res.headers['content-security-policy'], API_CSP);
    t.equal(res.headers['x-content-type-options'], 'nosniff');
    t.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
    t.equal(res.headers['referrer-policy'], 'no-referrer');
    t.match(res.headers['strict-transport-security'], /^max-age=/);
    t.notOk('x-powered-by' in res.headers, 'no x-powered-by');
  }
});

/** Every header helmet 8 sets with our options (CSP aside): the full set, pinned. */
const HELMET_SET = {
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'cross-origin',
  'origin-agent-cluster': '?1',
  'referrer-policy': 'no-referrer',
  'strict-transport-security': 'max-age=31536000; includeSubDomains',
  'x-content-type-options': 'nosniff',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-frame-options': 'SAMEORIGIN',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

t.test('the headers computed once are exactly those of helmet with our options', async (t) => {
  t.same(helmetHeaders(HELMET_OPTIONS), HELMET_SET);
  t.notOk('content-security-policy' in helmetHeaders(HELMET_OPTIONS), 'CSP is set per path, not by helmet');
});

t.test('every response carries the whole set: tokens, errors before and after the handler, 404s, docs', async (t) => {
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS: 'k:0123456789abcdef0123' });
  const key = { 'x-api-key': '0123456789abcdef0123' };
  const cases = [
    [await app.inject({ method: 'POST', url: '/v1/tokens/rtm', headers: key, payload: { userId: 'alice' } }), 200, API_CSP, true],
    [await app.inject({ method: 'POST', url: '/v1/tokens/rtm', payload: { userId: 'alice' } }), 401, API_CSP, true],
    [await app.inject({ method: 'POST', url: '/v1/tokens/rtm', headers: key, payload: { userId: '' } }), 400, API_CSP, true],
    [await app.inject({ method: 'GET', url: '/nowhere' }), 404, API_CSP, false],
    [await app.inject({ method: 'GET', url: '/docs?x=1' }), 200, DOCS_CSP, false],
  ] as const;
  for (const [res, status, csp, noStore] of cases) {
    t.equal(res.statusCode, status);
    t.match(res.headers, HELMET_SET, `${status}: helmet's headers`);
    t.equal(res.headers['content-security-policy'], csp);
    t.equal(res.headers['cache-control'] === 'private, no-cache, no-store, must-revalidate', noStore, `${status}: no-store only on minting routes`);
    t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  }
});

t.test('Swagger UI gets a CSP that lets it load its own assets', async (t) => {
  const app = await build(t);
  const page = await app.inject({ method: 'GET', url: '/docs/' });
  t.equal(page.statusCode, 200);
  t.equal(page.headers['content-security-policy'], DOCS_CSP);
  t.match(DOCS_CSP, /script-src 'self';/);
  t.notMatch(DOCS_CSP, /unsafe-eval/);
  t.notMatch(page.body, /<script>/, 'the page has no inline script that the CSP would block');
  const asset = await app.inject({ method: 'GET', url: '/docs/static/swagger-ui-bundle.js' });
  t.equal(asset.statusCode, 200);
  t.equal(asset.headers['content-security-policy'], DOCS_CSP);
  t.equal((await app.inject({ method: 'GET', url: '/docsx' })).headers['content-security-policy'], API_CSP, 'only /docs and below');
});

t.test('the OpenAPI document declares the security schemes on every minting route', async (t) => {
  const app = await build(t);
  const spec = app.swagger() as unknown as { components: { securitySchemes: Record<string, unknown> }; paths: Record<string, Record<string, { security?: unknown; responses: Record<string, unknown> }>> };
  t.same(Object.keys(spec.components.securitySchemes).sort(), ['apiKeyHeader', 'bearerAuth']);
  t.match(spec.components.securitySchemes.apiKeyHeader, { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  t.match(spec.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer' });
  let minting = 0;
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const mints = path.startsWith('/v1/tokens') || !['/healthz', '/readyz', '/ping'].includes(path);
      if (!mints) {
        t.same(op.security, [], `${method} ${path} needs no credentials (an explicit empty list)`);
        continue;
      }
      minting++;
      t.same(op.security, [{ bearerAuth: [] }, { apiKeyHeader: [] }], `${method} ${path}`);
      for (const status of ['401', '403', '429']) t.ok(op.responses[status], `${method} ${path} declares ${status}`);
    }
  }
  t.equal(minting, 17, 'every minting operation (8 v1 + 8 compat), and the inspector');
});

t.test('hardening: body limit, request timeout, no stack traces', async (t) => {
  const app = await build(t);
  const big = await app.inject({ method: 'POST', url: '/v1/tokens/rtm', payload: { userId: 'a'.repeat(BODY_LIMIT) } });
  t.equal(big.statusCode, 413);
  t.equal(big.json().code, 'BODY_TOO_LARGE');
  t.notMatch(big.body, /at .*\.js:\d+/, 'no stack trace');
  const opts = serverOptions(loadConfig(baseEnv));
  t.equal(opts.requestTimeout, REQUEST_TIMEOUT_MS);
  t.ok(REQUEST_TIMEOUT_MS > 0 && REQUEST_TIMEOUT_MS <= 30_000);
  t.equal(opts.trustProxy, false, 'X-Forwarded-For is ignored unless TRUST_PROXY says otherwise');
});

t.test('AUTH_MODE=none warns once at start-up', async (t) => {
  const before = logLines.length;
  await build(t);
  const warnings = logLines.slice(before).filter((l) => l.includes('AUTH_MODE=none'));
  t.equal(warnings.length, 1);
  t.match(JSON.parse(warnings[0] as string), { level: 40, msg: /anyone who can reach this server can mint tokens/ });
  const quiet = logLines.length;
  await build(t, { AUTH_MODE: 'jwt', JWT_SECRET: 'x'.repeat(32), JWT_ISSUER: 'i', JWT_AUDIENCE: 'a' });
  t.notOk(logLines.slice(quiet).some((l) => l.includes('AUTH_MODE=none')), 'no warning with authentication on');
});
