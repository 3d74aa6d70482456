import { Writable } from 'node:stream';
import t from 'tap';
import { buildApp, flushLogs, serverOptions } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { decode007 } from '../src/tokens/codec.js';
import { baseEnv, build, logLines } from './helper.js';

const logger = (o: ReturnType<typeof serverOptions>) => o.logger as { transport?: { target: string } };

t.test('keep-alive sits above load-balancer idle timeouts; headers and body share the 10 s deadline', async (t) => {
  const o = serverOptions(loadConfig(baseEnv));
  t.equal(o.keepAliveTimeout, 75_000, 'above AWS ALB and nginx upstream (60 s)');
  t.same(o.http, { headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 1000, requireHostHeader: false });
  t.equal(o.requestTimeout, 10_000);
  t.equal(o.forceCloseConnections, 'idle');
  const gcp = serverOptions(loadConfig({ ...baseEnv, KEEP_ALIVE_TIMEOUT_SECONDS: '620' }));
  t.equal(gcp.keepAliveTimeout, 620_000);
  t.equal(gcp.http?.headersTimeout, 10_000, 'the deadline does not follow the keep-alive timeout');
});

t.test('the listening server carries the timeouts', async (t) => {
  const app = await build(t, { KEEP_ALIVE_TIMEOUT_SECONDS: '90' });
  t.equal(app.server.keepAliveTimeout, 90_000);
  t.equal(app.server.headersTimeout, 10_000);
  t.equal(app.server.requestTimeout, 10_000);
});

t.test('logs are pretty only on a TTY, unless forced', async (t) => {
  const auto = loadConfig(baseEnv);
  t.equal(logger(serverOptions(auto, { isTTY: true })).transport?.target, 'pino-pretty');
  t.equal(logger(serverOptions(auto, { isTTY: false })).transport, undefined);
  t.equal(logger(serverOptions(auto)).transport?.target, process.stdout.isTTY ? 'pino-pretty' : undefined, 'defaults to stdout');
  t.equal(logger(serverOptions(loadConfig({ ...baseEnv, LOG_FORMAT: 'json' }), { isTTY: true })).transport, undefined);
  t.equal(logger(serverOptions(loadConfig({ ...baseEnv, LOG_FORMAT: 'pretty' }), { isTTY: false })).transport?.target, 'pino-pretty');
});

t.test('one JSON log line per request, with the incoming request id', async (t) => {
  const app = await build(t);
  const res = await app.inject({
    method: 'POST',
    url: '/v1/tokens/rtm',
    headers: { 'x-request-id': 'trace-42' },
    payload: { userId: 'alice' },
  });
  t.equal(res.statusCode, 200);
  t.equal(res.headers['x-request-id'], 'trace-42', 'returned');
  const lines = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.requestId === 'trace-42');
  // The mint's audit record (see test/auth) rides on the request line: one line, not two.
  t.equal(lines.length, 1, 'one line');
  t.match(lines[0], {
    level: 30,
    msg: 'request',
    requestId: 'trace-42',
    method: 'POST',
    url: '/v1/tokens/rtm',
    route: '/v1/tokens/rtm',
    statusCode: 200,
    durationMs: Number,
    audit: { caller: 'anonymous', auth: 'none', route: '/v1/tokens/rtm', service: 'rtm', userId: 'alice', decision: 'allowed' },
  });
  t.notOk('callerId' in (lines[0] as object), 'no caller without auth');
  t.notMatch(logLines.join('\n'), res.json<{ token: string }>().token, 'the token is never logged');
});

t.test('a generated request id when the incoming one is unsafe', async (t) => {
  const app = await build(t);
  const res = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } });
  t.match(res.headers['x-request-id'], /^[0-9a-f-]{36}$/);
});

t.test('the log line carries the caller id once auth sets it', async (t) => {
  const { buildApp } = await import('../src/app.js');
  const { logSink } = await import('./helper.js');
  const app = await buildApp(loadConfig(baseEnv), { logStream: logSink() });
  t.teardown(() => app.close());
  app.addHook('onRequest', async (request) => {
    request.callerId = 'key-frontend';
  });
  app.get('/whoami', async (request) => ({ caller: request.callerId }));
  const res = await app.inject({ url: '/whoami', headers: { 'x-request-id': 'caller-1' } });
  t.same(res.json(), { caller: 'key-frontend' });
  const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.requestId === 'caller-1');
  t.match(line, { callerId: 'key-frontend', route: '/whoami', statusCode: 200 });
});

t.test('probes do not log at info', async (t) => {
  const app = await build(t, { LOG_LEVEL: 'info' });
  await app.inject({ url: '/readyz', headers: { 'x-request-id': 'probe-1' } });
  t.notOk(logLines.some((l) => l.includes('probe-1')));
});

t.test('tests may pin the clock and the salt', async (t) => {
  const app = await build(t, {}, { now: () => 1_700_000_000, salt: () => 4242 });
  const res = await app.inject({ method: 'POST', url: '/v1/tokens/chat', payload: {} });
  const d = decode007(res.json<{ token: string }>().token);
  t.equal(d.issueTs, 1_700_000_000);
  t.equal(d.salt, 4242);
});

t.test('secrets are censored in a log line, at the top level and one level down, at every level', async (t) => {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line !== '') lines.push(JSON.parse(line) as Record<string, unknown>);
      done();
    },
  });
  const app = await buildApp(loadConfig({ ...baseEnv }), { logStream: sink });
  t.teardown(() => app.close());
  const secret = 'not-to-be-logged-0123456789';
  const audit = { caller: 'c', decision: 'allowed' };
  app.log.trace({ appCertificate: secret, rawPacket: Buffer.from(secret) }, 'top');
  app.log.info({ config: { appId: 'x', appCertificate: secret }, error: { code: 'E', rawPacket: secret }, audit }, 'nested');
  const withPacket = () => Object.assign(new Error('bad'), { code: 'HPE_X', rawPacket: Buffer.from(secret) });
  app.log.error({ err: withPacket() }, 'err');
  app.log.error({ cause: withPacket(), where: 'parser' }, 'cause');
  app.log.warn({ headers: { authorization: secret, 'x-api-key': secret, cookie: secret, host: 'h' } }, 'headers');
  app.log.debug({ deep: { one: { appCertificate: 'two levels down is the Secret type’s job' } }, audit }, 'plain');
  await flushLogs(app);
  const byMsg = Object.fromEntries(lines.map((l) => [l.msg, l]));
  t.match(byMsg.top, { appCertificate: '[redacted]', rawPacket: '[redacted]' });
  t.match(byMsg.nested, { config: { appId: 'x', appCertificate: '[redacted]' }, error: { code: 'E', rawPacket: '[redacted]' }, audit });
  t.match(byMsg.err, { err: { message: 'bad', code: 'HPE_X', rawPacket: '[redacted]' } });
  t.match(byMsg.cause, { cause: { code: 'HPE_X', rawPacket: '[redacted]' }, where: 'parser' });
  t.match(byMsg.headers, { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', cookie: '[redacted]', host: 'h' } });
  t.match(byMsg.plain, { deep: { one: { appCertificate: /Secret type/ } }, audit }, 'a line without such fields is written as given');
  t.notOk(lines.some((l) => JSON.stringify(l).includes(secret)), 'the value appears in no line');
});
