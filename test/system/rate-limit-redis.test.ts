/**
 * Rate limits shared through a real redis-server (started by the test on a free
 * loopback port, killed in teardown), and what happens when it goes away.
 */
import t from 'tap';
import { build, logLines } from '../helper.js';
import { freePort, startRedis, waitFor } from '../support/redis.js';

// Several app instances and Redis restarts: slower than tap's 30 s default on a busy 2-core machine.
t.setTimeout(120_000);

const mint = (remoteAddress = '127.0.0.1') => ({ method: 'POST' as const, url: '/v1/tokens/rtm', payload: { userId: 'alice' }, remoteAddress });
/** Fast Redis timeouts so that outages are seen in milliseconds. */
const redisTimeouts = { connectMs: 300, commandMs: 300, retryMaxMs: 200 };
/**
 * Not waiting on a dead or hung Redis is the behaviour under test, so it stays a bound on time:
 * without it a request would wait for good (a hung Redis never answers; the offline queue holds
 * commands until a reconnect). Generous above the 300 ms command timeout and an inject on a loaded
 * 2-core machine; no lower bound, as sooner is only better.
 */
const NO_WAIT_MS = 2000;
type App = Awaited<ReturnType<typeof build>>;
const readiness = async (app: App) => (await app.inject({ method: 'GET', url: '/readyz' })).json();
const storeStatus = async (app: App) => (await readiness(app)).checks?.rateLimitStore?.status;

t.test('Redis shared by two instances; outages fail open, then recover', async (t) => {
  const redis = await startRedis(t);
  const env = { REDIS_URL: redis.url, RATE_LIMIT_MAX: '3', RATE_LIMIT_WINDOW: '60s' };
  const a = await build(t, env, { redisTimeouts });
  const b = await build(t, env, { redisTimeouts });
  t.ok(await waitFor(async () => (await storeStatus(a)) === 'ok' && (await storeStatus(b)) === 'ok'), 'both connect');
  t.same((await readiness(a)).checks.rateLimitStore, { status: 'ok', detail: 'redis: connected, limits shared by every instance' });

  t.equal((await a.inject(mint())).statusCode, 200);
  t.equal((await b.inject(mint())).headers['ratelimit-remaining'], '1', 'b sees a\'s request');
  t.equal((await a.inject(mint())).statusCode, 200);
  const over = await b.inject(mint());
  t.equal(over.statusCode, 429, 'the 4th request is refused, whichever instance gets it');

  const outage = logLines.length;
  await redis.stop();
  const started = Date.now();
  const during = await a.inject(mint('10.0.0.1'));
  t.equal(during.statusCode, 200, 'fail-open: still serving');
  t.ok(Date.now() - started < NO_WAIT_MS, 'and without waiting on the dead Redis');
  t.ok(await waitFor(async () => (await storeStatus(a)) === 'degraded'), 'readiness says degraded');
  const ready = await a.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 200, 'fail-open instances stay in rotation');
  t.match(ready.json().checks.rateLimitStore.detail, /^redis: unreachable since .*; limiting per instance in memory \(fail-open\)$/);
  for (let i = 0; i < 3; i++) await a.inject(mint('10.0.0.2'));
  t.equal((await a.inject(mint('10.0.0.2'))).statusCode, 429, 'limits still apply, per instance, in memory');
  const errors = logLines.slice(outage).filter((l) => l.includes('rate-limit store: Redis is unreachable'));
  t.ok(errors.length >= 1 && errors.length <= 2, `the outage is logged once per instance, not per request (${errors.length})`);
  t.match(JSON.parse(errors[0] as string), { level: 50, msg: /RATE_LIMIT_FAIL_MODE=open/ });

  await redis.start();
  t.ok(await waitFor(async () => (await storeStatus(a)) === 'ok' && (await storeStatus(b)) === 'ok'), 'both reconnect on their own');
  t.ok(logLines.slice(outage).some((l) => l.includes('Redis is reachable again')), 'recovery is logged');
  // Both report "ok" once their connection is ready, but a command in the first moments after a
  // restart can still fall back to memory: sharing resumes eventually, each try on a fresh client.
  let attempt = 0;
  const sharedAgain = async () => {
    attempt++;
    const ip = `10.1.${attempt >> 8}.${attempt & 255}`;
    await b.inject(mint(ip));
    return (await a.inject(mint(ip))).headers['ratelimit-remaining'] === '1';
  };
  // A generous deadline for a loaded machine; on an idle one the first tries succeed.
  t.ok(await waitFor(sharedAgain, 30_000, 100), 'shared again after recovery');
});

t.test('fail-closed: 503 and not ready while Redis is down, then recovery', async (t) => {
  const redis = await startRedis(t);
  const app = await build(t, { REDIS_URL: redis.url, RATE_LIMIT_FAIL_MODE: 'closed' }, { redisTimeouts });
  t.ok(await waitFor(async () => (await storeStatus(app)) === 'ok'));
  t.equal((await app.inject(mint())).statusCode, 200);
  await redis.stop();
  const refused = await app.inject(mint());
  t.equal(refused.statusCode, 503);
  t.equal(refused.headers['retry-after'], '5');
  t.match(refused.json(), { statusCode: 503, code: 'RATE_LIMIT_UNAVAILABLE', message: /rate-limit store is unreachable/ });
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.match(ready.json(), { code: 'NOT_READY', message: /^rateLimitStore: redis: unreachable since .*; minting refused \(fail-closed\)$/ });
  t.ok(logLines.some((l) => l.includes('RATE_LIMIT_FAIL_MODE=closed')));
  await redis.start();
  t.ok(await waitFor(async () => (await app.inject(mint())).statusCode === 200), 'serves again once Redis is back');
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
});

t.test('a Redis that hangs costs at most the command timeout', async (t) => {
  const redis = await startRedis(t);
  const app = await build(t, { REDIS_URL: redis.url }, { redisTimeouts });
  t.ok(await waitFor(async () => (await storeStatus(app)) === 'ok'));
  redis.pause();
  t.teardown(() => redis.resume());
  const started = Date.now();
  const res = await app.inject(mint());
  const took = Date.now() - started;
  t.equal(res.statusCode, 200, 'served from memory');
  t.ok(took < NO_WAIT_MS, `answered in ${took} ms (command timeout 300 ms)`);
  redis.resume();
  t.ok(await waitFor(async () => (await storeStatus(app)) === 'ok'), 'back to ok when Redis answers again');
});

t.test('Redis unreachable from the start: the app starts and serves', async (t) => {
  const port = await freePort();
  const started = Date.now();
  // The production timeouts this time (connect 1 s, command 500 ms).
  const app = await build(t, { REDIS_URL: `redis://127.0.0.1:${port}` });
  t.ok(Date.now() - started < NO_WAIT_MS * 2, 'ready without waiting for Redis');
  t.equal((await app.inject(mint())).statusCode, 200);
  t.equal(await storeStatus(app), 'degraded');
});

t.test('token_server_redis_up follows the real connection: 1, 0 while redis-server is dead, 1 again', async (t) => {
  const redis = await startRedis(t);
  const app = await build(t, { REDIS_URL: redis.url }, { redisTimeouts });
  const up = async () => {
    const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
    return /^token_server_redis_up\{client="rate-limit"\} (\d)$/m.exec(text)?.[1];
  };
  t.ok(await waitFor(async () => (await up()) === '1'), 'connected: 1');
  await redis.stop();
  t.ok(await waitFor(async () => (await up()) === '0'), 'killed: 0, without any request to notice it');
  await redis.start();
  t.ok(await waitFor(async () => (await up()) === '1'), 'restarted: 1 again');
});

t.test('token_server_redis_up is 0 when Redis was never reachable', async (t) => {
  const app = await build(t, { REDIS_URL: `redis://127.0.0.1:${await freePort()}` }, { redisTimeouts });
  await app.inject(mint());
  t.match((await app.inject({ method: 'GET', url: '/metrics' })).body, /^token_server_redis_up\{client="rate-limit"\} 0$/m);
});
