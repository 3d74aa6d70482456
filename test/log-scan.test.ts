/**
 * The leak detector itself. The suite-wide scan (test/log-scan.ts, run after all
 * test files) uses findLeaks; this proves it finds what it must.
 */
import t from 'tap';
import { API_KEY, APP_CERTIFICATE, build, logLines, secrets } from './helper.js';
import { findLeaks } from './support/leaks.js';
import { exchange, listen } from './support/raw-http.js';

t.test('findLeaks finds a secret from any dump in any line', async (t) => {
  const dumps = [
    { file: 'a.test.ts', secrets: ['certificate-value-1'], lines: ['{"msg":"fine"}'] },
    { file: 'b.test.ts', secrets: ['api-key-value-22'], lines: ['{"msg":"has certificate-value-1 inside"}', '{"msg":"ok"}'] },
  ];
  const { lines, hits } = findLeaks(dumps);
  t.equal(lines, 3);
  t.same(hits, [{ file: 'b.test.ts', line: '{"msg":"has certificate-value-1 inside"}' }]);
  t.same(findLeaks([{ file: 'c', secrets: ['short'], lines: ['short'] }]).hits, [], 'values under 8 characters are not scanned (too many false hits)');
});

t.test('findLeaks finds a secret inside a logged raw packet, in any encoding', async (t) => {
  const secret = 'api-key-value-0123456789';
  const packet = Buffer.from(`GET / HTTP/1.1\r\nx-api-key: ${secret}\r\n\r\n`);
  for (let shift = 0; shift < 3; shift++) {
    const shifted = Buffer.concat([Buffer.alloc(shift, 65), packet]);
    for (const line of [JSON.stringify({ err: { rawPacket: shifted } }), shifted.toString('hex'), shifted.toString('base64')]) {
      t.equal(findLeaks([{ file: 'x', secrets: [secret], lines: [line] }]).hits.length, 1, `${line.slice(0, 40)}…`);
    }
  }
  t.same(findLeaks([{ file: 'x', secrets: [secret], lines: [JSON.stringify({ err: { rawPacket: Buffer.from('GET / HTTP/1.1') } })] }]).hits, []);
});

t.test('at trace, malformed requests carrying credentials leave no secret in the log', async (t) => {
  const app = await build(t, { LOG_LEVEL: 'trace', AUTH_MODE: 'apiKey', API_KEYS: API_KEY });
  const port = await listen(t, app);
  const before = logLines.length;
  const credentials = `x-api-key: ${API_KEY}\r\nAuthorization: Bearer ${APP_CERTIFICATE}\r\n`;
  for (const request of [
    `GET /healthz HTTP/1.1\r\nHost: x\r\n${credentials}bad header line\r\n\r\n`,
    `GET /healthz HTTP/1.1\r\nHost: x\r\n${credentials}X-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    `POST /v1/tokens/chat HTTP/1.1\r\nHost: x\r\n${credentials}Content-Length: x\r\n\r\n{}`,
    `GET /%ff HTTP/1.1\r\nHost: x\r\n${credentials}\r\n`,
  ]) {
    await exchange(port, request);
  }
  const lines = logLines.slice(before);
  t.ok(lines.filter((l) => l.includes('"client error"')).length >= 3, 'the client errors were logged (at trace: everything is)');
  t.same(findLeaks([{ file: 'self', secrets: [...secrets], lines }]).hits, [], 'none holds a secret');
});

t.test('a raw packet logged anywhere (another listener, a plugin) is redacted at every level', async (t) => {
  const app = await build(t, { LOG_LEVEL: 'trace' });
  const before = logLines.length;
  const rawPacket = Buffer.from(`GET / HTTP/1.1\r\nx-api-key: ${API_KEY}\r\n\r\n`);
  app.log.trace({ err: Object.assign(new Error('Parse Error'), { code: 'HPE_INVALID_HEADER_TOKEN', rawPacket }) }, 'client error');
  app.log.child({ listener: 'metrics' }).trace({ rawPacket }, 'raw');
  const lines = logLines.slice(before);
  t.equal(lines.length, 2);
  t.match(lines[0], /"rawPacket":"\[redacted\]"/);
  t.same(findLeaks([{ file: 'self', secrets: [API_KEY], lines }]).hits, []);
});

t.test('this process captures its log lines and secrets for the scan', async (t) => {
  t.ok(secrets.has(APP_CERTIFICATE));
  const before = logLines.length;
  const app = await build(t);
  await app.inject({ method: 'GET', url: '/readyz', headers: { authorization: `Bearer ${APP_CERTIFICATE}` } });
  await app.inject({ method: 'POST', url: '/v1/tokens/rtc', payload: { channelName: 'c', uid: 1 } });
  t.ok(logLines.length > before, 'trace lines are captured');
  t.same(findLeaks([{ file: 'self', secrets: [...secrets], lines: logLines }]).hits, [], 'none holds a secret');
});

t.test('at trace, a key passed in the query string (?apikey=, ?token=, ?<key>) on any route leaves no secret in the log', async (t) => {
  const app = await build(t, { LOG_LEVEL: 'trace', AUTH_MODE: 'apiKey', API_KEYS: API_KEY });
  const port = await listen(t, app);
  const before = logLines.length;
  const auth = { authorization: `Bearer ${API_KEY}` };
  for (const query of [`apikey=${API_KEY}`, `token=${encodeURIComponent(APP_CERTIFICATE)}`, `channelName=c&${API_KEY}`]) {
    await app.inject({ url: `/access_token?channelName=c&${query}`, headers: auth });
    await app.inject({ url: `/rtc/c/publisher/uid/5?${query}`, headers: auth });
    await app.inject({ method: 'POST', url: `/v1/tokens/chat?${query}`, payload: {}, headers: auth });
    await app.inject({ url: `/healthz?${query}` });
    await app.inject({ url: `/nowhere?${query}` });
    await exchange(port, `GET /%ff?${query} HTTP/1.1\r\nHost: x\r\n\r\n`);
  }
  const lines = logLines.slice(before);
  t.ok(lines.filter((l) => l.includes('"request"')).length >= 15, 'the requests were logged');
  t.same(findLeaks([{ file: 'self', secrets: [...secrets], lines }]).hits, [], 'none holds a secret');
});
