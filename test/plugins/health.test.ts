import t from 'tap';
import { build } from '../helper.js';

t.test('liveness and readiness while running', async (t) => {
  const app = await build(t);
  const live = await app.inject({ url: '/healthz' });
  t.equal(live.statusCode, 200);
  t.same(live.json(), { status: 'ok' });
  const ready = await app.inject({ url: '/readyz' });
  t.equal(ready.statusCode, 200);
  t.same(ready.json(), { status: 'ready', checks: { rateLimitStore: { status: 'ok', detail: 'memory: limits are per instance' } } });
  t.not(ready.headers.connection, 'close');
});

t.test('drain: readiness 503 at once, still serving, connection close, then closed', async (t) => {
  const app = await build(t);
  // Warm: the first mint compiles its schemas, which must not eat into the drain on a loaded machine.
  t.equal((await app.inject({ method: 'POST', url: '/v1/tokens/chat', payload: {} })).statusCode, 200);
  // The drain length is the behaviour under test: closed not before it (tight: a timer may fire up to
  // 1 ms early on Date.now's clock), with no upper bound. Long enough for the few requests below.
  const DRAIN_MS = 1000;
  let closed = false;
  const started = Date.now();
  const done = app.lifecycle.drainAndClose(DRAIN_MS).then(() => {
    closed = true;
  });
  t.equal(app.lifecycle.draining, true, 'draining at once');

  const ready = await app.inject({ url: '/readyz' });
  t.equal(ready.statusCode, 503);
  t.equal(ready.headers['retry-after'], '5');
  t.match(ready.json(), { statusCode: 503, error: 'Service Unavailable', code: 'DRAINING', requestId: String });
  t.equal(ready.headers.connection, 'close');

  const token = await app.inject({ method: 'POST', url: '/v1/tokens/chat', payload: {} });
  t.equal(token.statusCode, 200, 'tokens are still minted during the drain');
  t.equal(token.headers.connection, 'close', 'keep-alive callers are asked to reconnect elsewhere');
  t.equal((await app.inject({ url: '/healthz' })).statusCode, 200, 'still alive');
  t.equal(closed, false, 'not closed while the drain lasts');

  await done;
  const took = Date.now() - started;
  t.ok(took >= DRAIN_MS - 1, `closed only after the drain (${took} ms)`);
  t.equal(closed, true);
});

t.test('drain of 0 closes at once and marks not ready', async (t) => {
  const app = await build(t);
  await app.lifecycle.drainAndClose(0);
  t.equal(app.lifecycle.draining, true);
});

t.test('closing without a drain also turns readiness off', async (t) => {
  const app = await build(t);
  await app.close();
  t.equal(app.lifecycle.draining, true);
});
