import t from 'tap';
import { buildApp } from '../../src/app.js';
import { HttpError } from '../../src/plugins/errors.js';
import { loadConfig } from '../../src/config.js';
import { APP_CERTIFICATE, baseEnv, build, logLines, logSink } from '../helper.js';

const ERROR_KEYS = ['code', 'error', 'message', 'requestId', 'statusCode'];

t.test('404 and 405 in the one error shape', async (t) => {
  const app = await build(t);
  const nf = await app.inject('/nope');
  t.equal(nf.statusCode, 404);
  t.same(Object.keys(nf.json()).sort(), ERROR_KEYS);
  t.match(nf.json(), { code: 'NOT_FOUND', message: 'no route for GET /nope' });

  const na = await app.inject({ method: 'GET', url: '/v1/tokens/rtc' });
  t.equal(na.statusCode, 405);
  t.equal(na.headers.allow, 'POST');
  t.match(na.json(), { statusCode: 405, code: 'METHOD_NOT_ALLOWED' });
  const na2 = await app.inject({ method: 'DELETE', url: '/rtc/demo/publisher/uid/1/' });
  t.equal(na2.statusCode, 405, 'parametric path with trailing slash');
  t.equal(na2.headers.allow, 'GET, HEAD');
});

t.test('413, 415 and malformed JSON', async (t) => {
  const app = await build(t);
  const big = await app.inject({
    method: 'POST',
    url: '/v1/tokens/rtc',
    headers: { 'content-type': 'application/json' },
    payload: JSON.stringify({ channelName: 'c', uid: 1, pad: 'x'.repeat(10_000) }),
  });
  t.equal(big.statusCode, 413);
  t.match(big.json(), { code: 'BODY_TOO_LARGE', statusCode: 413, error: 'Payload Too Large' });

  const media = await app.inject({ method: 'POST', url: '/v1/tokens/rtc', headers: { 'content-type': 'text/plain' }, payload: 'hi' });
  t.equal(media.statusCode, 415);
  t.match(media.json(), { code: 'UNSUPPORTED_MEDIA_TYPE' });

  const bad = await app.inject({ method: 'POST', url: '/v1/tokens/rtc', headers: { 'content-type': 'application/json' }, payload: '{"channelName":' });
  t.equal(bad.statusCode, 400);
  t.match(bad.json(), { code: 'INVALID_JSON' });

  const empty = await app.inject({ method: 'POST', url: '/v1/tokens/rtc', headers: { 'content-type': 'application/json' }, payload: '' });
  t.equal(empty.statusCode, 400);
  t.match(empty.json(), { code: 'EMPTY_BODY' });

  const noBody = await app.inject({ method: 'POST', url: '/v1/tokens/chat' });
  t.equal(noBody.statusCode, 400);
  t.match(noBody.json(), { code: 'VALIDATION_ERROR', field: 'body', message: 'body must be object' });
});

t.test('5xx are masked and logged; the certificate appears nowhere', async (t) => {
  // A salt the library cannot write makes it throw: the path a library bug would take.
  const app = await build(t, {}, { salt: () => -1 });
  const res = await app.inject({
    method: 'POST',
    url: '/v1/tokens/rtm',
    headers: { 'content-type': 'application/json', 'x-request-id': 'trace-123' },
    payload: JSON.stringify({ userId: 'alice' }),
  });
  t.equal(res.statusCode, 500);
  t.same(res.json(), { statusCode: 500, error: 'Internal Server Error', code: 'INTERNAL_ERROR', message: 'Internal Server Error', requestId: 'trace-123' });
  t.equal(res.headers['x-request-id'], 'trace-123', 'an incoming request id is kept');
  const logged = logLines.filter((l) => l.includes('trace-123'));
  t.ok(logged.some((l) => l.includes('"level":50') && l.includes('MintError')), 'the failure is logged with its cause');
  t.notOk(res.body.includes(APP_CERTIFICATE));
  t.equal(logLines.filter((l) => l.includes(APP_CERTIFICATE)).length, 0, 'no log line holds the certificate');

  const custom = await buildApp(loadConfig(baseEnv), { logStream: logSink() });
  t.teardown(() => custom.close());
  custom.get('/teapot', async () => {
    throw Object.assign(new Error('I am a teapot'), { statusCode: 418 });
  });
  custom.get('/weird', async () => {
    throw Object.assign(new Error('secret internals'), { statusCode: 503 });
  });
  custom.post('/teapot', async () => {
    throw Object.assign(new Error('odd status'), { statusCode: 499 });
  });
  custom.get('/not-an-error-status', async () => {
    throw Object.assign(new Error('internal detail'), { statusCode: 200 });
  });
  const odd = await custom.inject({ method: 'POST', url: '/teapot' });
  t.match(odd.json(), { statusCode: 499, error: 'Error', code: 'CLIENT_ERROR' }, 'a status without a reason phrase');
  const not = await custom.inject('/not-an-error-status');
  t.match(not.json(), { statusCode: 500, message: 'Internal Server Error' }, 'a non-error status becomes 500');
  t.equal((await custom.inject({ method: 'PUT', url: '/teapot' })).headers.allow, 'GET, POST, HEAD');
  t.same(new HttpError(403, 'FORBIDDEN', 'no').headers, {}, 'HttpError headers default to none');
  const tea = await custom.inject('/teapot');
  t.match(tea.json(), { statusCode: 418, code: 'I\'M_A_TEAPOT', message: 'I am a teapot' });
  const weird = await custom.inject('/weird');
  t.equal(weird.statusCode, 503);
  t.match(weird.json(), { code: 'INTERNAL_ERROR', message: 'Internal Server Error' });
});

t.test('request ids: sane incoming ones kept, others replaced', async (t) => {
  const app = await build(t);
  const bad = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'has spaces and "quotes"' } });
  t.match(bad.headers['x-request-id'], /^[0-9a-f-]{36}$/);
  const none = await app.inject('/healthz');
  t.not(none.headers['x-request-id'], bad.headers['x-request-id']);
});

t.test('CORS: any origin by default, a list when configured, preflight works', async (t) => {
  const open = await build(t);
  const pre = await open.inject({
    method: 'OPTIONS',
    url: '/v1/tokens/rtc',
    headers: { origin: 'https://app.example.com', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  t.equal(pre.statusCode, 204);
  t.equal(pre.headers['access-control-allow-origin'], 'https://app.example.com');
  t.match(pre.headers.vary, /Origin/);
  t.match(pre.headers['access-control-allow-methods'], /POST/);

  const listed = await build(t, { CORS_ORIGINS: 'https://a.example.com, https://b.example.com' });
  const ok = await listed.inject({ url: '/healthz', headers: { origin: 'https://b.example.com' } });
  t.equal(ok.headers['access-control-allow-origin'], 'https://b.example.com');
  t.match(ok.headers.vary, /Origin/);
  const other = await listed.inject({ url: '/healthz', headers: { origin: 'https://evil.example.com' } });
  t.notOk(other.headers['access-control-allow-origin']);
});

t.test('health and readiness', async (t) => {
  const app = await build(t);
  t.same((await app.inject('/healthz')).json(), { status: 'ok' });
  t.same((await app.inject('/readyz')).json(), {
    status: 'ready',
    checks: { rateLimitStore: { status: 'ok', detail: 'memory: limits are per instance' } },
  });
  app.lifecycle.draining = true;
  const draining = await app.inject('/readyz');
  t.equal(draining.statusCode, 503);
  t.equal(draining.headers['retry-after'], '5');
  t.match(draining.json(), { code: 'DRAINING', statusCode: 503 });
  t.notOk((await app.inject('/healthz')).headers['cache-control'], 'only token responses carry no-store');
});

t.test('closing the app marks it draining', async (t) => {
  const app = await build(t);
  t.equal(app.lifecycle.draining, false);
  await app.close();
  t.equal(app.lifecycle.draining, true);
});
