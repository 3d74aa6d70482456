/**
 * Property tests over hostile requests (issue 9, "done when"): whatever arrives, the
 * answer is a 2xx (a token that decodes) or a 4xx in the one error shape — with
 * X-Request-Id and the security headers — never a 5xx, never another shape, and no
 * log line (at trace) holds a secret. Bodies and URLs go through `inject`; malformed
 * HTTP goes over a real socket to a real server listening on loopback.
 * Runs: 400 bodies, 400 URLs, 300 raw requests (fixed seeds are not used: every run
 * explores anew, and fast-check prints the seed and the shrunk case of a failure).
 */
import fc from 'fast-check';
import t from 'tap';
import { decodeOrThrow } from '../../src/tokens/codec.js';
import { API_KEY, APP_CERTIFICATE, JWT_SECRET, build, logLines, secrets } from '../helper.js';
import { findLeaks } from '../support/leaks.js';
import { exchange, isOneShapeError, listen, parseResponse } from '../support/raw-http.js';

const anyValue = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc.string({ unit: fc.constantFrom(...'abcXYZ019 !#$%&()+-:;<=.>?@[]^_{}|~,'), maxLength: 70 }),
  fc.integer(),
  fc.integer({ min: 0, max: 2 ** 32 + 10 }),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constantFrom('publisher', 'subscriber', 'audience', '006', '007', 'rtc', 'rtm', 'chat', 0, 1795850353, 86_400, ''),
  // Strings a coercing validator would read as numbers, and wrapped values.
  fc.constantFrom('0x10', '1e3', ' 12 ', '12', '-0', 'NaN', 'Infinity', 'true'),
  fc.array(fc.integer(), { maxLength: 2 }),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 2 }),
  fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
);

const bodyArb = fc.dictionary(
  fc.constantFrom('channelName', 'uid', 'userAccount', 'role', 'expireSeconds', 'privilegeExpireSeconds', 'version', 'userId', 'rtmUserId', 'combined', 'tokenType', 'channel', 'expire', 'other', '__proto__', 'constructor'),
  anyValue,
  { maxKeys: 7 },
);

const segment = fc.oneof(
  fc.constantFrom('publisher', 'subscriber', 'audience', 'uid', 'userAccount', '0', '42', 'demo', '4294967296', '%20', '..', '%2F', '%ff', '%00', '%', '%e2%82', '0x10', '1e3'),
  fc.string({ unit: fc.constantFrom(...'abc019 %-_.~'), minLength: 1, maxLength: 12 }).map(encodeURIComponent),
  fc.string({ unit: fc.constantFrom(...'abc019%fF'), minLength: 1, maxLength: 8 }),
);

/** A response is sane when it is a 2xx whose tokens decode, or an error in the one shape. */
function assertSane(res: { status: number; headers: Record<string, unknown>; body: string }): boolean {
  if (res.status >= 400) return isOneShapeError(res);
  const json = JSON.parse(res.body) as Record<string, unknown>;
  for (const key of ['token', 'rtcToken', 'rtmToken', 'chatToken']) {
    if (typeof json[key] === 'string') decodeOrThrow(json[key]);
  }
  return res.status === 200;
}
const injected = (res: { statusCode: number; headers: Record<string, unknown>; body: string }) => ({ status: res.statusCode, headers: res.headers, body: res.body });

t.test('random JSON bodies, of every wrong type, on every POST route', async (t) => {
  const app = await build(t);
  await fc.assert(
    fc.asyncProperty(fc.constantFrom('/v1/tokens/rtc', '/v1/tokens/rtm', '/v1/tokens/rtc-rtm', '/v1/tokens/chat', '/getToken'), bodyArb, async (url, body) => {
      const res = await app.inject({ method: 'POST', url, headers: { 'content-type': 'application/json' }, payload: JSON.stringify(body) });
      return assertSane(injected(res));
    }),
    { numRuns: 400 },
  );
  t.pass('400 random bodies: no 5xx, every error in the one shape');
});

t.test('random paths, methods and queries', async (t) => {
  const app = await build(t);
  await fc.assert(
    fc.asyncProperty(
      fc.constantFrom('GET', 'GET', 'GET', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH'),
      fc.constantFrom('rtc', 'rte', 'rtm', 'chat', 'access_token', 'chat/account', 'ping', 'v1/tokens', 'healthz', 'getToken', '%ff', ''),
      fc.array(segment, { maxLength: 6 }),
      fc.option(fc.constantFrom('expiry', 'expireTime', 'version', 'channelName', 'uid', 'role', 'expiry[]', 'a%ff')),
      fc.option(segment),
      fc.boolean(),
      async (method, head, segs, qk, qv, repeat) => {
        const pair = qk ? `${qk}=${qv ?? ''}` : '';
        const query = qk ? `?${pair}${repeat ? `&${pair}` : ''}` : '';
        const res = await app.inject({ method: method as 'GET', url: `/${head}/${segs.join('/')}${query}` });
        return res.statusCode === 204 || assertSane(injected(res));
      },
    ),
    { numRuns: 400 },
  );
  t.pass('400 random URLs: no 5xx, every error in the one shape');
});

// Raw HTTP/1.1, built from parts that are each sometimes wrong.
const credentialHeader = fc.constantFrom(
  `x-api-key: ${API_KEY}`,
  `Authorization: Bearer ${API_KEY}`,
  `Authorization: Bearer ${APP_CERTIFICATE}`,
  `Authorization: Basic ${Buffer.from(`user:${JWT_SECRET}`).toString('base64')}`,
  `Cookie: session=${JWT_SECRET}`,
);
const rawToken = fc.string({ unit: fc.constantFrom(...'aZ09-_./%:; \t"(),@[]{}\\?=\x00\x7f\u00e9'), maxLength: 20 });
const headerLine = fc.oneof(
  credentialHeader,
  fc.constantFrom(
    'Content-Type: application/json',
    'Content-Type: text/plain',
    'Content-Type: application/json; charset=utf-16',
    'Content-Length: 2',
    'Content-Length: -1',
    'Content-Length: 99999999999999999999',
    'Content-Length: 0x10',
    'Content-Length: 2, 3',
    'Transfer-Encoding: chunked',
    'Transfer-Encoding: gzip',
    'Transfer-Encoding: chunked, identity',
    'Origin: https://app.example',
    'Access-Control-Request-Method: POST',
    'X-Request-Id: fuzz\u00e9',
    'Expect: 100-continue',
    'Connection: upgrade',
    'Upgrade: websocket',
    'X-Forwarded-For: 1.2.3.4',
    ' folded continuation',
    'no colon',
    ': empty name',
    'Bad Name: x',
  ),
  fc.tuple(rawToken, rawToken).map(([n, v]) => `${n}: ${v}`),
  fc.nat({ max: 20_000 }).map((n) => `X-Big: ${'a'.repeat(n)}`),
);
const requestLine = fc.tuple(
  fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'PUT', 'BREW', 'get', '', 'G\u00e9T', 'CONNECT'),
  fc.oneof(
    fc.constantFrom('/healthz', '/ping', '/v1/tokens/chat', '/v1/tokens/rtc', '/getToken', '/rtc/demo/publisher/uid/42', '/%ff', '/%', '*', 'http://x/ping', '//ping', '/ping?%ff=1', '/a b'),
    segment.map((s) => `/rtm/${s}`),
  ),
  fc.constantFrom('HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/2.0', 'HTTP/1.1 extra', 'http/1.1', ''),
);
const bodyText = fc.oneof(
  fc.constant(''),
  bodyArb.map((b) => JSON.stringify(b)),
  fc.string({ maxLength: 60 }),
  fc.constantFrom('{', '{"channelName":', '2\r\n{}\r\n0\r\n\r\n', 'zz\r\n{}\r\n', '5\r\n{"a"'),
);
const rawRequest = fc
  .record({
    line: requestLine,
    host: fc.constantFrom('Host: 127.0.0.1', 'Host: 127.0.0.1', '', 'Host: a\r\nHost: b'),
    headers: fc.array(headerLine, { maxLength: 5 }),
    body: bodyText,
    lengthMatches: fc.boolean(),
    ending: fc.constantFrom('\r\n', '\n', '\r\n', '\r\n'),
  })
  .map(({ line, host, headers, body, lengthMatches, ending }) => {
    const all = [host, ...headers, ...(lengthMatches && body ? [`Content-Length: ${Buffer.byteLength(body)}`] : [])].filter(Boolean);
    return `${line.join(' ')}${ending}${all.map((h) => `${h}${ending}`).join('')}${ending}${body}`;
  });

t.test('raw malformed HTTP over a real socket: no 5xx, the one shape, no secret in any log line (trace)', async (t) => {
  const app = await build(t, { LOG_LEVEL: 'trace', AUTH_MODE: 'apiKey', API_KEYS: API_KEY, CORS_ORIGINS: 'https://app.example' });
  const port = await listen(t, app);
  const before = logLines.length;
  await fc.assert(
    fc.asyncProperty(rawRequest, async (request) => {
      // Half-closed after the request: a body cut short ends at EOF instead of waiting for the deadline.
      const text = await exchange(port, request, 3000, true);
      const res = parseResponse(text);
      // Every request gets an answer: a silently dropped connection is outside the one shape too.
      if (!res) return false;
      if (res.status < 400) return res.status < 300;
      // A HEAD answer has the headers of the GET answer and no body.
      if (request.startsWith('HEAD ') && res.status < 500) return isOneShapeError({ ...res, body: JSON.stringify({ statusCode: res.status, error: '', code: '', message: '', requestId: res.headers['x-request-id'] }) });
      return isOneShapeError(res);
    }),
    { numRuns: 300 },
  );
  t.pass('300 raw requests: each answered, no 5xx, every error in the one shape');
  t.same(findLeaks([{ file: 'fuzz', secrets: [...secrets], lines: logLines.slice(before) }]).hits, [], 'no secret in any log line');
});
