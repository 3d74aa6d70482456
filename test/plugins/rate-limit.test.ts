import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { API_KEY, baseEnv, build } from '../helper.js';

const mint = (remoteAddress = '127.0.0.1', headers: Record<string, string> = {}) => ({
  method: 'POST' as const,
  url: '/v1/tokens/rtm',
  payload: { userId: 'alice' },
  remoteAddress,
  headers,
});

t.test('config: rate-limit and proxy variables', async (t) => {
  const load = (env: Record<string, string>) => loadConfig({ ...baseEnv, ...env });
  t.same(load({}).rateLimit, { max: 600, windowMs: 60_000, failMode: 'open' }, 'defaults: 600 per minute, in memory');
  t.equal(load({ RATE_LIMIT_WINDOW: '30' }).rateLimit.windowMs, 30_000, 'a bare number is seconds');
  t.equal(load({ RATE_LIMIT_WINDOW: '1500ms' }).rateLimit.windowMs, 1500);
  t.equal(load({ RATE_LIMIT_WINDOW: '2h' }).rateLimit.windowMs, 7_200_000);
  t.throws(() => load({ RATE_LIMIT_WINDOW: '999ms' }), { message: /^RATE_LIMIT_WINDOW is invalid/ });
  t.throws(() => load({ RATE_LIMIT_WINDOW: '1d' }), { message: /^RATE_LIMIT_WINDOW is invalid/ });
  t.throws(() => load({ RATE_LIMIT_MAX: '0' }), { message: /^RATE_LIMIT_MAX is invalid/ });
  t.throws(() => load({ RATE_LIMIT_FAIL_MODE: 'maybe' }), { message: /^RATE_LIMIT_FAIL_MODE is invalid/ });
  t.throws(() => load({ REDIS_URL: 'http://x' }), { message: /^REDIS_URL is invalid/ });
  t.throws(() => load({ REDIS_URL: 'redis://[x' }), { message: /^REDIS_URL is invalid/ });
  const withPassword = load({ REDIS_URL: 'redis://:hunter2hunter2@127.0.0.1:6379' });
  t.notMatch(JSON.stringify(withPassword), 'hunter2', 'the Redis URL (it may hold a password) never serializes');
  t.equal(load({}).trustProxy, false);
  t.equal(load({ TRUST_PROXY: 'true' }).trustProxy, true);
  t.equal(load({ TRUST_PROXY: '2' }).trustProxy, 2);
  t.same(load({ TRUST_PROXY: '10.0.0.0/8, 192.168.1.1,loopback,::1/128' }).trustProxy, ['10.0.0.0/8', '192.168.1.1', 'loopback', '::1/128']);
  for (const bad of ['10.0.0.0/33', 'example.com', '10.0.0.1/8/2', '::1/129', '10.0.0.0/x']) {
    t.throws(() => load({ TRUST_PROXY: bad }), { message: /^TRUST_PROXY is invalid/ }, bad);
  }
});

t.test('in memory: 429 in the one error shape with Retry-After and RateLimit-* headers', async (t) => {
  const app = await build(t, { RATE_LIMIT_MAX: '2', RATE_LIMIT_WINDOW: '60s' });
  const first = await app.inject(mint());
  t.equal(first.statusCode, 200);
  t.equal(first.headers['ratelimit-limit'], '2');
  t.equal(first.headers['ratelimit-remaining'], '1');
  t.equal(first.headers['ratelimit-reset'], '60');
  await app.inject(mint());
  const third = await app.inject(mint());
  t.equal(third.statusCode, 429);
  t.same(Object.keys(third.json()).sort(), ['code', 'error', 'message', 'requestId', 'statusCode']);
  t.match(third.json(), { statusCode: 429, error: 'Too Many Requests', code: 'RATE_LIMITED', message: /rate limit of 2 requests per window exceeded; retry in/ });
  t.match(third.headers, { 'retry-after': /^[0-9]+$/, 'ratelimit-limit': '2', 'ratelimit-remaining': '0', 'ratelimit-reset': /^[0-9]+$/ });
  t.ok(Number(third.headers['retry-after']) <= 60 && Number(third.headers['retry-after']) > 0);
  t.equal((await app.inject(mint('10.1.1.1'))).statusCode, 200, 'another client IP has its own budget');
  t.equal((await app.inject({ method: 'GET', url: '/rtm/alice', remoteAddress: '127.0.0.1' })).statusCode, 429, 'compat routes share the same budget');
  for (let i = 0; i < 3; i++) t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200, 'probes are never limited');
  t.equal((await app.inject({ method: 'GET', url: '/docs/json' })).statusCode, 200, 'nor the docs');
});

t.test('bad credentials are limited per client IP before any 401', async (t) => {
  const app = await build(t, { AUTH_MODE: 'apiKey', API_KEYS: `ops:${API_KEY}`, RATE_LIMIT_MAX: '2' });
  const guess = () => app.inject(mint('10.9.9.9', { 'x-api-key': 'guess-0123456789abcdef' }));
  t.equal((await guess()).statusCode, 401);
  t.equal((await guess()).statusCode, 401);
  t.equal((await guess()).statusCode, 429, 'the third guess from that IP is limited');
  t.equal((await app.inject(mint('10.9.9.9', { 'x-api-key': API_KEY }))).statusCode, 200, 'a real key from the same IP counts per key');
});

t.test('TRUST_PROXY: the client IP comes from X-Forwarded-For only when trusted', async (t) => {
  const viaProxy = (xff: string) => mint('127.0.0.1', { 'x-forwarded-for': xff });
  const untrusted = await build(t, { RATE_LIMIT_MAX: '1' });
  t.equal((await untrusted.inject(viaProxy('203.0.113.1'))).statusCode, 200);
  t.equal((await untrusted.inject(viaProxy('203.0.113.2'))).statusCode, 429, 'untrusted: every client behind the proxy shares its IP');
  const trusted = await build(t, { RATE_LIMIT_MAX: '1', TRUST_PROXY: '127.0.0.1/32' });
  t.equal((await trusted.inject(viaProxy('203.0.113.1'))).statusCode, 200);
  t.equal((await trusted.inject(viaProxy('203.0.113.2'))).statusCode, 200, 'trusted: each forwarded client has its own budget');
  t.equal((await trusted.inject(viaProxy('203.0.113.1'))).statusCode, 429);
  const spoofed = await trusted.inject(mint('198.51.100.7', { 'x-forwarded-for': '203.0.113.2' }));
  t.equal(spoofed.statusCode, 200, 'a client that is not the proxy cannot borrow another IP budget');
  const hops = await build(t, { RATE_LIMIT_MAX: '1', TRUST_PROXY: '1' });
  t.equal((await hops.inject(viaProxy('203.0.113.1, 203.0.113.9'))).statusCode, 200);
  t.equal((await hops.inject(viaProxy('203.0.113.2, 203.0.113.9'))).statusCode, 429, 'one hop: the last forwarded address is the client');
});
