import { getHeapStatistics } from 'node:v8';
import t from 'tap';
import { heapLimitBytes } from '../../src/plugins/load-shedding.js';
import { build, manualClock, sampled } from '../helper.js';
import { until } from '../support/wait.js';

/** One limit at a time: the others off. */
const ONLY = { SHED_MAX_EVENT_LOOP_DELAY_MS: '0', SHED_MAX_HEAP_USED_MB: '0' };
/** Sampling must stay well above under-pressure's 10 ms histogram resolution. */
const INTERVAL = 50;

/**
 * An app whose warm-up is already over (its clock moved past it) and that has taken its
 * first sample: what a sample saw decides the next request, no sleeping involved.
 */
async function judging(t: Parameters<typeof build>[0], env: Record<string, string>) {
  const clock = manualClock();
  const app = await build(t, env, { pressureSampleIntervalMs: INTERVAL, pressureNow: clock.now });
  clock.skipWarmUp();
  await sampled(app);
  return app;
}

/** Keeps the loop busy (no idle time at all) for `ms`. */
function block(ms: number) {
  const until = Date.now() + ms;
  while (Date.now() < until);
}

t.test('default heap limit: 90 % of V8 heap limit; 0 turns it off', async (t) => {
  t.equal(heapLimitBytes(undefined), Math.floor(getHeapStatistics().heap_size_limit * 0.9));
  t.equal(heapLimitBytes(256), 256 * 1024 * 1024);
  t.equal(heapLimitBytes(0), 0);
});

t.test('over a limit: 503 + Retry-After in the one error shape; probes and metrics still answer', async (t) => {
  // A 1 MB heap limit is crossed from the first sample on.
  const app = await judging(t, { ...ONLY, SHED_MAX_HEAP_USED_MB: '1', SHED_RETRY_AFTER_SECONDS: '3' });
  const res = await app.inject({ method: 'POST', url: '/v1/tokens/chat', payload: {} });
  t.equal(res.statusCode, 503);
  t.equal(res.headers['retry-after'], '3');
  t.match(res.json(), { statusCode: 503, error: 'Service Unavailable', code: 'OVERLOADED', message: /heap_used/, requestId: String });
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200);
  t.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
  const metrics = await app.inject({ url: '/metrics' });
  t.equal(metrics.statusCode, 200);
  t.match(metrics.body, 'token_server_shed_total{reason="heap_used"} 1');
});

t.test('RSS limit', async (t) => {
  const app = await judging(t, { ...ONLY, SHED_MAX_RSS_MB: '1' });
  t.match((await app.inject({ url: '/ping' })).json(), { code: 'OVERLOADED', message: /rss/ });
});

t.test('event-loop utilization limit', async (t) => {
  const app = await judging(t, { ...ONLY, SHED_MAX_EVENT_LOOP_UTILIZATION: '0.001' });
  // Utilization is judged per interval: busy through one, then ask as soon as a sample has seen it
  // (the polling keeps the loop busy too, so a sample in between sees the same).
  block(2 * INTERVAL);
  await until('a sample of a busy interval', () => app.memoryUsage().eventLoopUtilized > 0.001, 30_000, 0);
  t.match((await app.inject({ url: '/ping' })).json(), { code: 'OVERLOADED', message: /event_loop_utilization/ });
});

t.test('event-loop delay limit', async (t) => {
  const app = await judging(t, { SHED_MAX_EVENT_LOOP_DELAY_MS: '1', SHED_MAX_HEAP_USED_MB: '0' });
  // Block the loop well past the limit, wait for the sample that measured it, then ask at once.
  // Each sample judges only its own interval: should a later sample of the idle loop come
  // between our check and the request on a loaded machine, block again (a bounded number of times).
  let res = await app.inject({ url: '/ping' });
  for (let attempt = 0; attempt < 5 && res.statusCode !== 503; attempt++) {
    block(300);
    await until('a sample of the blocked loop', () => app.memoryUsage().eventLoopDelay > 1, 30_000, 0);
    res = await app.inject({ url: '/ping' });
  }
  t.equal(res.statusCode, 503);
  t.match(res.json(), { code: 'OVERLOADED', message: /event_loop_delay/ });
});

t.test('no shedding while the process warms up: judged from two sample intervals after ready', async (t) => {
  const clock = manualClock();
  // Over a 1 MB heap limit from the first sample on.
  const app = await build(t, { ...ONLY, SHED_MAX_HEAP_USED_MB: '1' }, { pressureSampleIntervalMs: INTERVAL, pressureNow: clock.now });
  await sampled(app);
  t.equal((await app.inject({ url: '/ping' })).statusCode, 200, 'sampled over the limit, but warming up');
  clock.advance(2 * INTERVAL - 1);
  t.equal((await app.inject({ url: '/ping' })).statusCode, 200, 'still warming up 1 ms before the end');
  clock.advance(1);
  t.equal((await app.inject({ url: '/ping' })).statusCode, 503, 'judged from then on');
});

t.test('under the limits nothing is shed', async (t) => {
  const app = await judging(t, {});
  t.equal((await app.inject({ url: '/ping' })).statusCode, 200);
});
