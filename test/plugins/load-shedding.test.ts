import { setTimeout as sleep } from 'node:timers/promises';
import { getHeapStatistics } from 'node:v8';
import t from 'tap';
import { heapLimitBytes } from '../../src/plugins/load-shedding.js';
import { build } from '../helper.js';

/** One limit at a time: the others off. */
const ONLY = { SHED_MAX_EVENT_LOOP_DELAY_MS: '0', SHED_MAX_HEAP_USED_MB: '0' };
/** Sampling must stay well above under-pressure's 10 ms histogram resolution. */
const FAST = { pressureSampleIntervalMs: 50 };
const SETTLE = 160;

t.test('default heap limit: 90 % of V8 heap limit; 0 turns it off', async (t) => {
  t.equal(heapLimitBytes(undefined), Math.floor(getHeapStatistics().heap_size_limit * 0.9));
  t.equal(heapLimitBytes(256), 256 * 1024 * 1024);
  t.equal(heapLimitBytes(0), 0);
});

t.test('over a limit: 503 + Retry-After in the one error shape; probes and metrics still answer', async (t) => {
  // A 1 MB heap limit is always crossed; sampling every 50 ms makes it visible soon.
  const app = await build(t, { ...ONLY, SHED_MAX_HEAP_USED_MB: '1', SHED_RETRY_AFTER_SECONDS: '3' }, FAST);
  await sleep(SETTLE);
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
  const app = await build(t, { ...ONLY, SHED_MAX_RSS_MB: '1' }, FAST);
  await sleep(SETTLE);
  t.match((await app.inject({ url: '/ping' })).json(), { code: 'OVERLOADED', message: /rss/ });
});

t.test('event-loop utilization limit', async (t) => {
  const app = await build(t, { ...ONLY, SHED_MAX_EVENT_LOOP_UTILIZATION: '0.001' }, FAST);
  await sleep(SETTLE);
  // Utilization is judged per interval: busy through one, then ask before the next sample.
  const until = Date.now() + 100;
  while (Date.now() < until);
  await sleep(10);
  t.match((await app.inject({ url: '/ping' })).json(), { code: 'OVERLOADED', message: /event_loop_utilization/ });
});

t.test('event-loop delay limit', async (t) => {
  const app = await build(t, { SHED_MAX_EVENT_LOOP_DELAY_MS: '1', SHED_MAX_HEAP_USED_MB: '0' }, FAST);
  await sleep(SETTLE);
  // Block the loop well past the limit, then let the next sample see it. On a loaded machine the
  // sample timer and our request can race: retry the block (bounded) until a sample has judged it.
  let res = await app.inject({ url: '/ping' });
  for (let attempt = 0; attempt < 10 && res.statusCode !== 503; attempt++) {
    const until = Date.now() + 300;
    while (Date.now() < until);
    await sleep(10);
    res = await app.inject({ url: '/ping' });
  }
  t.equal(res.statusCode, 503);
  t.match(res.json(), { code: 'OVERLOADED', message: /event_loop_delay/ });
});

t.test('no shedding while the process warms up', async (t) => {
  // Over a 1 MB heap limit from the first sample (200 ms), but judged only after two (400 ms).
  const app = await build(t, { ...ONLY, SHED_MAX_HEAP_USED_MB: '1' }, { pressureSampleIntervalMs: 200 });
  await sleep(270);
  t.equal((await app.inject({ url: '/ping' })).statusCode, 200, 'sampled over the limit, but warming up');
  await sleep(250);
  t.equal((await app.inject({ url: '/ping' })).statusCode, 503, 'judged afterwards');
});

t.test('under the limits nothing is shed', async (t) => {
  const app = await build(t, {}, FAST);
  await sleep(SETTLE);
  t.equal((await app.inject({ url: '/ping' })).statusCode, 200);
});
