import t from 'tap';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { HttpError } from '../../src/plugins/errors.js';
import { buildMetricsApp } from '../../src/metrics-app.js';
import { baseEnv, build, logSink } from '../helper.js';

/** The value of one sample line of the exposition text, or undefined. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

t.test('GET /metrics: Prometheus text with process metrics', async (t) => {
  const app = await build(t);
  const res = await app.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.match(res.headers['content-type'], /^text\/plain; version=0\.0\.4/);
  t.equal(res.headers['cache-control'], 'no-store');
  for (const name of ['process_cpu_user_seconds_total', 'process_resident_memory_bytes', 'nodejs_eventloop_lag_seconds', 'nodejs_heap_size_used_bytes']) {
    t.match(res.body, `# TYPE ${name} `, name);
  }
  t.equal(sample(res.body, 'token_server_draining'), 0);
  t.match(res.body, '# TYPE http_request_duration_seconds histogram');
  t.match(res.body, '# TYPE token_server_tokens_minted_total counter');
  t.match(res.body, '# TYPE token_server_auth_failures_total counter');
  t.match(res.body, '# TYPE token_server_rate_limited_total counter');
  t.match(res.body, '# TYPE token_server_redis_up gauge');
  const spec = await app.inject({ url: '/docs/json' });
  t.notOk(Object.keys(spec.json<{ paths: object }>().paths).includes('/metrics'), 'not in the OpenAPI document');
});

t.test('tokens minted by type and version; durations by route and status', async (t) => {
  const app = await build(t);
  const post = (url: string, payload: object) => app.inject({ method: 'POST', url, payload });
  t.equal((await post('/v1/tokens/rtc', { channelName: 'c', uid: 1 })).statusCode, 200);
  t.equal((await post('/v1/tokens/rtc', { channelName: 'c', uid: 1, version: '006' })).statusCode, 200);
  t.equal((await post('/v1/tokens/rtm', { userId: 'u' })).statusCode, 200);
  t.equal((await post('/v1/tokens/rtc-rtm', { channelName: 'c', uid: 2 })).statusCode, 200);
  t.equal((await post('/v1/tokens/rtc-rtm', { channelName: 'c', uid: 2, combined: true })).statusCode, 200);
  t.equal((await post('/v1/tokens/chat', { userId: 'u' })).statusCode, 200);
  t.equal((await post('/v1/tokens/chat', {})).statusCode, 200);
  t.equal((await post('/v1/tokens/rtc', { channelName: 'bad/name', uid: 1 })).statusCode, 400);
  t.equal((await app.inject({ url: '/no/such/thing' })).statusCode, 404);

  const text = (await app.inject({ url: '/metrics' })).body;
  const minted = (type: string, version: string) => sample(text, `token_server_tokens_minted_total{type="${type}",version="${version}"}`);
  t.equal(minted('rtc', '007'), 2, 'rtc 007: one alone, one of a pair');
  t.equal(minted('rtc', '006'), 1);
  t.equal(minted('rtm', '007'), 2);
  t.equal(minted('rtc_rtm', '007'), 1, 'a combined token counts once');
  t.equal(minted('chat_user', '007'), 1);
  t.equal(minted('chat_app', '007'), 1);
  const count = (route: string, status: number) =>
    sample(text, `http_request_duration_seconds_count{method="POST",route="${route}",status_code="${status}"}`);
  t.equal(count('/v1/tokens/rtc', 200), 2);
  t.equal(count('/v1/tokens/rtc', 400), 1);
  t.equal(sample(text, 'http_request_duration_seconds_count{method="GET",route="unmatched",status_code="404"}'), 1);
  t.notMatch(text, 'route="/metrics"', 'scrapes are not measured');
  t.notMatch(text, '/no/such/thing', 'unmatched URLs do not become series');
});

t.test('auth failures, rate limits and Redis availability', async (t) => {
  const app = await buildApp(loadConfig(baseEnv), { logStream: logSink() });
  t.teardown(() => app.close());
  // Stand-ins for the auth and rate-limit plugins: they only answer; the metrics plugin counts.
  app.get('/locked', async () => {
    throw new HttpError(401, 'INVALID_API_KEY', 'bad key');
  });
  app.get('/forbidden', async () => {
    throw new HttpError(403, 'FORBIDDEN_SCOPE', 'not for you');
  });
  app.get('/raw401', async (_request, reply) => reply.code(401).send('nope'));
  app.get('/raw403', async (_request, reply) => reply.code(403).send({ other: true }));
  app.get('/busy', async () => {
    throw new HttpError(429, 'RATE_LIMITED', 'slow down', { headers: { 'retry-after': '1' } });
  });
  app.get('/raw401-buffer', async (_request, reply) => reply.code(401).send(Buffer.from('nope')));
  app.addHook('onRequest', async (request, reply) => {
    if (request.url === '/throttled-anything') await reply.code(429).send({ code: 'RATE_LIMITED' });
  });
  await app.ready();
  for (const url of ['/locked', '/locked', '/forbidden', '/raw401', '/raw401-buffer', '/raw403', '/busy', '/throttled-anything']) {
    await app.inject({ url });
  }

  const text = (await app.inject({ url: '/metrics' })).body;
  t.equal(sample(text, 'token_server_auth_failures_total{reason="INVALID_API_KEY"}'), 2);
  t.equal(sample(text, 'token_server_auth_failures_total{reason="FORBIDDEN_SCOPE"}'), 1);
  t.equal(sample(text, 'token_server_auth_failures_total{reason="UNAUTHORIZED"}'), 2, 'bodies that are not JSON');
  t.equal(sample(text, 'token_server_auth_failures_total{reason="FORBIDDEN"}'), 1, 'JSON without a code');
  t.equal(sample(text, 'token_server_rate_limited_total{route="/busy"}'), 1);
  t.equal(sample(text, 'token_server_rate_limited_total{route="unmatched"}'), 1, 'limited before routing');
});

t.test('METRICS_PORT: /metrics leaves the public app for its own listener', async (t) => {
  const app = await build(t, { METRICS_PORT: '9464' });
  t.equal((await app.inject({ url: '/metrics' })).statusCode, 404);
  await app.inject({ method: 'POST', url: '/v1/tokens/chat', payload: {} });
  const metricsApp = buildMetricsApp(app);
  t.teardown(() => metricsApp.close());
  const res = await metricsApp.inject({ url: '/metrics' });
  t.equal(res.statusCode, 200);
  t.equal(sample(res.body, 'token_server_tokens_minted_total{type="chat_app",version="007"}'), 1, 'the same registry');
});

t.test('METRICS_PORT unset: /metrics on the public app answers scrapers, never a request that crossed a proxy', async (t) => {
  const app = await build(t);
  for (const url of ['/metrics', '/metrics/', '//metrics', '/metrics?x=1']) {
    t.equal((await app.inject({ url })).statusCode, 200, `${url} direct: 200`);
    for (const header of ['x-forwarded-for', 'forwarded', 'x-real-ip']) {
      const res = await app.inject({ url, headers: { [header]: '203.0.113.7' } });
      t.equal(res.statusCode, 404, `${url} with ${header}: 404`);
      t.match(res.json(), { statusCode: 404, code: 'NOT_FOUND' }, 'the plain 404 of an unknown path');
    }
  }
  const metricsApp = buildMetricsApp(app);
  t.teardown(() => metricsApp.close());
  const own = await metricsApp.inject({ url: '/metrics', headers: { 'x-forwarded-for': '10.0.0.9' } });
  t.equal(own.statusCode, 200, 'the separate listener is for scrapers only and refuses nothing');
});

t.test('the draining gauge follows the lifecycle', async (t) => {
  const app = await build(t);
  app.lifecycle.draining = true;
  t.equal(sample((await app.inject({ url: '/metrics' })).body, 'token_server_draining'), 1);
});
