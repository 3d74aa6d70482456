/**
 * The one request line: the client IP as TRUST_PROXY resolves it, on every
 * status (refused credentials and rate limits included), and one warning when
 * a proxy forwards to a server that does not trust it.
 */
import t from 'tap';
import { API_KEY, build, logLines } from '../helper.js';

type Line = Record<string, unknown>;
const linesSince = (from: number) => logLines.slice(from).map((l) => JSON.parse(l) as Line);
const requestLine = (from: number, id: string) => linesSince(from).find((l) => l.msg === 'request' && l.requestId === id);

t.test('the request line carries the client IP for 200, 401, 403 and 429', async (t) => {
  const dir = t.testdir({ keys: `kiosk:${API_KEY} channels=lobby rateLimit=2\n` });
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS_FILE: `${dir}/keys`, TRUST_PROXY: '10.0.0.1' });
  const from = logLines.length;
  const send = (id: string, headers: Record<string, string>, channelName = 'lobby') =>
    app.inject({
      method: 'POST',
      url: '/v1/tokens/rtc',
      remoteAddress: '10.0.0.1',
      headers: { 'x-request-id': id, 'x-forwarded-for': '203.0.113.9, 198.51.100.4', ...headers },
      payload: { channelName, uid: 1 },
    });
  const cases: [string, Record<string, string>, string, number][] = [
    ['ok', { authorization: `Bearer ${API_KEY}` }, 'lobby', 200],
    ['no-credentials', {}, 'lobby', 401],
    ['bad-key', { authorization: 'Bearer not-a-key-0123456789abcdef' }, 'lobby', 401],
    ['forbidden', { authorization: `Bearer ${API_KEY}` }, 'vip', 403],
    ['limited', { authorization: `Bearer ${API_KEY}` }, 'lobby', 429],
  ];
  for (const [id, headers, channel, status] of cases) {
    t.equal((await send(id, headers, channel)).statusCode, status, id);
    // The trusted proxy 10.0.0.1 appended 198.51.100.4; what the client wrote before that is its own claim.
    t.match(requestLine(from, id), { statusCode: status, clientIp: '198.51.100.4' }, `${id}: the client IP is on the line`);
  }
});

t.test('without a proxy the socket address is the client IP', async (t) => {
  const app = await build(t);
  const from = logLines.length;
  await app.inject({ url: '/ping', remoteAddress: '192.0.2.44', headers: { 'x-request-id': 'direct' } });
  t.match(requestLine(from, 'direct'), { clientIp: '192.0.2.44' });
});

const WARNING = /X-Forwarded-For but TRUST_PROXY is off/;

t.test('X-Forwarded-For while TRUST_PROXY is off: one warning, not one per request', async (t) => {
  const app = await build(t);
  const from = logLines.length;
  await app.inject({ url: '/ping', headers: { 'x-request-id': 'plain' } });
  t.notOk(linesSince(from).some((l) => WARNING.test(String(l.msg))), 'no warning without the header');
  for (let i = 0; i < 3; i++) await app.inject({ url: '/ping', remoteAddress: '172.31.250.10', headers: { 'x-forwarded-for': `203.0.113.${i}` } });
  const warnings = linesSince(from).filter((l) => WARNING.test(String(l.msg)));
  t.equal(warnings.length, 1, 'said once');
  t.match(warnings[0], { level: 40, clientIp: '172.31.250.10' }, 'a warning naming the address every client now shares');
});

t.test('no warning when TRUST_PROXY trusts the proxy', async (t) => {
  for (const TRUST_PROXY of ['172.31.250.10', '1', 'true']) {
    const app = await build(t, { TRUST_PROXY });
    const from = logLines.length;
    await app.inject({ url: '/ping', remoteAddress: '172.31.250.10', headers: { 'x-forwarded-for': '203.0.113.1' } });
    t.notOk(linesSince(from).some((l) => WARNING.test(String(l.msg))), `TRUST_PROXY=${TRUST_PROXY}`);
  }
  const zero = await build(t, { TRUST_PROXY: '0' });
  const from = logLines.length;
  await zero.inject({ url: '/ping', headers: { 'x-forwarded-for': '203.0.113.1' } });
  t.ok(linesSince(from).some((l) => WARNING.test(String(l.msg))), 'TRUST_PROXY=0 trusts no hop: warned');
});

t.test('a mint decision rides on the request line: every audit field, one line per request', async (t) => {
  const dir = t.testdir({ keys: `kiosk:${API_KEY} channels=lobby services=rtc,rtm\n` });
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS_FILE: `${dir}/keys` });
  const from = logLines.length;
  const send = (id: string, url: string, payload: Record<string, unknown>, headers: Record<string, string> = { 'x-api-key': API_KEY }) =>
    app.inject({ method: 'POST', url, headers: { 'x-request-id': id, ...headers }, payload });
  const route = '/v1/tokens/rtc';
  const cases: [string, string, Record<string, unknown>, number, Record<string, unknown>][] = [
    ['allowed', route, { channelName: 'lobby', uid: 7, expireSeconds: 600 }, 200, { service: 'rtc', version: '007', channelName: 'lobby', uid: 7, role: 'subscriber', ttl: 600, decision: 'allowed' }],
    ['denied', route, { channelName: 'vip', uid: 7 }, 403, { service: 'rtc', channelName: 'vip', uid: 7, decision: 'denied', code: 'CHANNEL_NOT_ALLOWED' }],
    ['schema', route, { channelName: 'lobby', uid: -1 }, 400, { decision: 'rejected', code: 'VALIDATION_ERROR', field: 'uid' }],
    // Refused by Agora's rules inside the minter: what was asked, and the answer's code and field.
    ['rules', '/v1/tokens/rtc-rtm', { channelName: 'lobby', userAccount: ' ab' }, 400, { service: 'rtc-rtm', channelName: 'lobby', decision: 'rejected', code: 'VALIDATION_ERROR', field: 'rtmUserId' }],
  ];
  for (const [id, url, payload, status, audit] of cases) {
    const res = await send(id, url, payload);
    t.equal(res.statusCode, status, id);
    const lines = linesSince(from).filter((l) => l.requestId === id);
    t.equal(lines.length, 1, `${id}: one line for the request`);
    t.match(lines[0], { level: 30, msg: 'request', statusCode: status, callerId: 'kiosk', audit: { caller: 'kiosk', auth: 'apiKey', route: url, ...audit } }, id);
    t.notOk(JSON.stringify(lines[0]).includes('007eJ'), `${id}: never the token`);
  }
  // Refused credentials are no mint decision: the request line carries no audit record.
  await send('no-key', route, { channelName: 'lobby', uid: 7 }, {});
  const refused = linesSince(from).filter((l) => l.requestId === 'no-key' && l.msg === 'request');
  t.equal(refused.length, 1);
  t.match(refused[0], { statusCode: 401 });
  t.notOk('audit' in (refused[0] as Line), 'no audit record without a caller');
});
