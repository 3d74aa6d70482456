/**
 * One error shape everywhere (issue 9, item 12): requests that never reach a route —
 * refused by Node's HTTP parser, undecodable URLs, OPTIONS that are not preflights,
 * shed requests — are answered in the one shape, with X-Request-Id and the security
 * headers. Parser errors need a real socket: `inject` cannot send a malformed request.
 */
import t from 'tap';
import { API_SECURITY_HEADERS } from '../../src/plugins/security.js';
import { decode007 } from '../../src/tokens/codec.js';
import { build, logLines, manualClock, sampled } from '../helper.js';
import { exchange, isOneShapeError, listen, openRaw, parseResponse } from '../support/raw-http.js';
import { until } from '../support/wait.js';

t.test('the raw answers carry the very headers the security plugin sets on routed responses', async (t) => {
  const app = await build(t);
  const routed = await app.inject({ url: '/nowhere' });
  for (const [name, value] of Object.entries(API_SECURITY_HEADERS)) t.equal(routed.headers[name], value, name);
});

t.test('malformed HTTP over a real socket: the one shape, never Node\'s or Fastify\'s bare answers', async (t) => {
  const app = await build(t);
  const port = await listen(t, app);
  const before = logLines.length;
  const cases: [string, string, number, string][] = [
    ['bad header line', 'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['header over 16 KiB', `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'HEADERS_TOO_LARGE'],
    ['Content-Length not a number', 'POST /v1/tokens/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: abc\r\n\r\n{}', 400, 'INVALID_CONTENT_LENGTH'],
    ['Content-Length and chunked', 'POST /v1/tokens/chat HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n', 400, 'INVALID_TRANSFER_ENCODING'],
    ['not HTTP at all', 'HELLO\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['bad chunk size', 'POST /v1/tokens/chat HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n', 400, 'MALFORMED_REQUEST'],
    ['undecodable URL', 'GET /%ff HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'BAD_URL'],
    ['HTTP/1.1 without Host', 'GET /healthz HTTP/1.1\r\n\r\n', 400, 'MISSING_HOST'],
    ['CONNECT (Node drops the socket silently)', 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', 405, 'METHOD_NOT_ALLOWED'],
  ];
  for (const [name, request, status, code] of cases) {
    const res = parseResponse(await exchange(port, request));
    t.ok(res, `${name}: an HTTP response`);
    if (!res) continue;
    t.equal(res.status, status, name);
    t.ok(isOneShapeError(res), `${name}: one shape, X-Request-Id, security headers: ${JSON.stringify(res)}`);
    t.equal(JSON.parse(res.body).code, code, name);
  }
  const lines = logLines.slice(before).filter((l) => l.includes('"client error"'));
  t.ok(lines.length >= 6, 'each parser refusal is logged');
  t.notOk(lines.some((l) => l.includes('rawPacket')), 'without the raw request');
});

t.test('bytes still arriving after a refusal: one answer, which reaches the client', async (t) => {
  const app = await build(t);
  const port = await listen(t, app);
  const from = logLines.length;
  const c = await openRaw(port);
  c.socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}`);
  // The server's own signal that it refused the headers (it logs the client error as it answers).
  await until('the refusal', () => logLines.slice(from).some((l) => l.includes('"client error"')), 30_000, 5);
  c.socket.write('a'.repeat(20_000));
  await c.closed;
  const res = parseResponse(c.received());
  t.equal(res?.status, 431);
  t.equal(c.received().split('HTTP/1.1 ').length - 1, 1, 'answered once');
});

t.test('GET /%ff through inject: the one shape with X-Request-Id and the security headers', async (t) => {
  const app = await build(t);
  const res = await app.inject({ url: '/%ff', headers: { 'x-request-id': 'bad-url-1' } });
  t.equal(res.statusCode, 400);
  t.match(res.json(), { statusCode: 400, code: 'BAD_URL', requestId: 'bad-url-1' });
  t.ok(isOneShapeError({ status: res.statusCode, headers: res.headers, body: res.body }));
  const long = await app.inject({ url: `/rtm/${'a'.repeat(200)}` });
  t.equal(long.statusCode, 414);
  t.ok(isOneShapeError({ status: long.statusCode, headers: long.headers, body: long.body }), 'a path parameter over the router limit too');
});

t.test('a route that serves the method but finds nothing is a 404, not a 405 naming that very method', async (t) => {
  const app = await build(t);
  for (const method of ['GET', 'HEAD'] as const) {
    const res = await app.inject({ method, url: '/docs/static/no-such-file.js' });
    t.equal(res.statusCode, 404, method);
    t.notOk(res.headers.allow, method);
  }
  t.equal((await app.inject({ method: 'POST', url: '/docs/static/no-such-file.js' })).statusCode, 405, 'another method still gets 405');
});

t.test('OPTIONS that is not a CORS preflight: 405 with Allow (404 on unknown paths) in the one shape', async (t) => {
  const app = await build(t);
  const shaped = (res: Awaited<ReturnType<typeof app.inject>>) => isOneShapeError({ status: res.statusCode, headers: res.headers, body: res.body });
  const noOrigin = await app.inject({ method: 'OPTIONS', url: '/v1/tokens/rtc' });
  t.equal(noOrigin.statusCode, 405);
  t.equal(noOrigin.headers.allow, 'POST');
  t.ok(shaped(noOrigin));
  const noMethod = await app.inject({ method: 'OPTIONS', url: '/rtm/alice', headers: { origin: 'https://app.example' } });
  t.equal(noMethod.statusCode, 405);
  t.equal(noMethod.headers.allow, 'GET, HEAD');
  t.ok(shaped(noMethod));
  const unknown = await app.inject({ method: 'OPTIONS', url: '/nowhere' });
  t.equal(unknown.statusCode, 404);
  t.ok(shaped(unknown));
  // A real preflight is unchanged.
  const preflight = await app.inject({
    method: 'OPTIONS',
    url: '/v1/tokens/rtc',
    headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
  });
  t.equal(preflight.statusCode, 204);
  t.equal(preflight.headers['access-control-allow-origin'], 'https://app.example');
  t.equal(preflight.headers['access-control-allow-methods'], 'GET, POST, OPTIONS');
});

t.test('load shedding: the 503 carries CORS headers (Retry-After is readable), preflights are not shed', async (t) => {
  // A 1 MB heap limit is crossed from the first sample on; the clock is moved past the warm-up.
  const clock = manualClock();
  const app = await build(t, { SHED_MAX_EVENT_LOOP_DELAY_MS: '0', SHED_MAX_HEAP_USED_MB: '1', SHED_RETRY_AFTER_SECONDS: '3' }, { pressureSampleIntervalMs: 50, pressureNow: clock.now });
  clock.skipWarmUp();
  await sampled(app);
  const origin = 'https://app.example';
  const shed = await app.inject({ method: 'POST', url: '/v1/tokens/chat', headers: { origin }, payload: {} });
  t.equal(shed.statusCode, 503);
  t.ok(isOneShapeError({ status: shed.statusCode, headers: shed.headers, body: shed.body }));
  t.equal(shed.headers['retry-after'], '3');
  t.equal(shed.headers['access-control-allow-origin'], origin);
  t.match(shed.headers['access-control-expose-headers'], /retry-after/);
  const preflight = await app.inject({ method: 'OPTIONS', url: '/v1/tokens/chat', headers: { origin, 'access-control-request-method': 'POST' } });
  t.equal(preflight.statusCode, 204, 'the preflight is answered, so the browser can see the 503 that follows');
});

type Line = Record<string, unknown>;
const linesSince = (from: number) => logLines.slice(from).map((l) => JSON.parse(l) as Line);

t.test('Expect other than 100-continue: a 417 in the one shape, logged; 100-continue still works', async (t) => {
  const app = await build(t);
  const port = await listen(t, app);
  const from = logLines.length;
  const body = '{"channelName":"demo","uid":5}';
  const head = (expect: string) =>
    `POST /v1/tokens/rtc HTTP/1.1\r\nHost: x\r\nX-Request-Id: expect-1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: ${expect}\r\n\r\n`;
  for (const expect of ['bogus', '200-ok', 'a100-continue']) {
    const res = parseResponse(await exchange(port, head(expect) + body));
    t.equal(res?.status, 417, expect);
    t.ok(res && isOneShapeError(res), `${expect}: one shape, X-Request-Id, security headers: ${JSON.stringify(res)}`);
    t.match(JSON.parse(res?.body ?? '{}'), { code: 'EXPECTATION_FAILED', requestId: 'expect-1' });
  }
  t.match(linesSince(from).filter((l) => l.msg === 'request' && l.statusCode === 417), [
    { requestId: 'expect-1', clientIp: '127.0.0.1', url: '/v1/tokens/rtc' },
    { requestId: 'expect-1' },
    { requestId: 'expect-1' },
  ], 'each refusal leaves the request line');

  // 100-continue: Node answers 100 Continue, the client sends the body, the token comes.
  const c = await openRaw(port);
  c.socket.write(head('100-continue'));
  await c.until((text) => text.includes('100 Continue'));
  t.match(c.received(), /^HTTP\/1\.1 100 Continue\r\n/, 'interim 100 Continue before the body');
  c.socket.write(body);
  await c.until((text) => text.includes('"token"'));
  c.socket.destroy();
  const final = parseResponse(c.received().slice(c.received().indexOf('HTTP/1.1 200')));
  t.equal(final?.status, 200, 'then the final answer');
  const rtc = decode007(JSON.parse(final?.body ?? '{}').token).services[0];
  t.match(rtc, { channelName: 'demo', uid: '5' }, 'a token for the body that followed');
});

t.test('parser refusals and BAD_URL leave a log line with the answered request id and the client IP; BAD_URL names no URL', async (t) => {
  const app = await build(t);
  const port = await listen(t, app);
  const from = logLines.length;
  const requests = [
    'GET /healthz HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n',
    'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n',
    'GET /%ff?apikey=query-secret-0123456789 HTTP/1.1\r\nHost: x\r\n\r\n',
    `GET /rtm/${'a'.repeat(200)}?apikey=query-secret-0123456789 HTTP/1.1\r\nHost: x\r\n\r\n`,
  ];
  for (const request of requests) {
    const res = parseResponse(await exchange(port, request));
    const id = res?.headers['x-request-id'];
    t.ok(id, `${request.slice(0, 20)}: answered with a request id`);
    const line = linesSince(from).find((l) => l.requestId === id);
    t.ok(line, `${request.slice(0, 20)}: logged with that id`);
    t.match(line, { clientIp: '127.0.0.1', statusCode: res?.status });
    t.notMatch(res?.body, /query-secret|%ff|aaaa/, 'the answer does not echo the URL');
  }
  const badUrl = linesSince(from).find((l) => l.statusCode === 400 && l.msg === 'request');
  t.match(badUrl, { url: '/%ff?[redacted]', route: null }, 'BAD_URL is logged without query values');
  t.notOk(logLines.slice(from).some((l) => l.includes('query-secret')), 'no query value in any line');
});
