/**
 * Log lines leave the process in batches (src/app.ts LOG_BUFFER): none may be lost when it
 * stops, on SIGTERM or on an uncaught error it catches. Real processes, real signals: a burst
 * of requests, then the signal (or the crash) at once, while lines are still buffered or being written.
 */
import { request as httpRequest, Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import t from 'tap';
import { LOG_BUFFER, flushLogs } from '../../src/app.js';
import { APP_CERTIFICATE, APP_ID, build } from '../helper.js';
import { startServer, stop, type ServerProcess } from '../support/processes.js';

t.setTimeout(180_000);

const env = { APP_ID, APP_CERTIFICATE, PORT: '0', SHUTDOWN_DRAIN_SECONDS: '0' };
const crashFixture = fileURLToPath(new URL('../fixtures/crash-on-request.mjs', import.meta.url));
const dir = t.testdir({});
const all: ServerProcess[] = [];
t.teardown(() => all.forEach(stop));
const [terminated, crashed] = await Promise.all([
  startServer({ cwd: dir, env }),
  startServer({ cwd: dir, env, nodeArgs: ['--import', crashFixture] }),
]);
all.push(terminated, crashed);

function mint(port: number, agent: Agent, i: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify({ channelName: `burst-${i}`, uid: i + 1 });
    const req = httpRequest(
      { host: '127.0.0.1', port, path: '/v1/tokens/rtc', method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => (res.statusCode === 200 ? resolve(String(res.headers['x-request-id'])) : reject(new Error(`status ${res.statusCode}`))));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** 400 mints over 20 keep-alive connections: about 200 KB of log lines, many 4 KiB batches. */
async function burst(port: number): Promise<string[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 20 });
  try {
    return await Promise.all(Array.from({ length: 400 }, (_, i) => mint(port, agent, i)));
  } finally {
    agent.destroy();
  }
}

function requestIdsLogged(p: ServerProcess): Set<unknown> {
  return new Set(p.logs.filter((l) => l.msg === 'request').map((l) => l.requestId));
}

t.test('SIGTERM right after a burst: every request line and the last line are written', async (t) => {
  const ids = await burst(terminated.port);
  terminated.child.kill('SIGTERM');
  const { code } = await terminated.exited;
  t.equal(code, 0);
  const logged = requestIdsLogged(terminated);
  t.equal(ids.filter((id) => !logged.has(id)).length, 0, `all ${ids.length} request lines are in the output`);
  t.equal(terminated.logs.filter((l) => 'audit' in l).length, ids.length, 'one audit record per mint');
  t.equal(terminated.logs.at(-1)?.msg, 'closed', 'the last line is the last one logged');
});

t.test('an uncaught error right after a burst: every line, and the error, are written before exit 1', async (t) => {
  const ids = await burst(crashed.port);
  httpRequest({ host: '127.0.0.1', port: crashed.port, path: '/__crash' }).on('error', () => {}).end();
  const { code } = await crashed.exited;
  t.equal(code, 1);
  const logged = requestIdsLogged(crashed);
  t.equal(ids.filter((id) => !logged.has(id)).length, 0, `all ${ids.length} request lines are in the output`);
  const crash = crashed.logs.find((l) => l.msg === 'closing after an uncaught error');
  t.match(crash, { level: 50, err: { message: 'deliberate crash for the log test' } });
  t.equal(crashed.logs.at(-1)?.msg, 'closed');
});

t.test('a full log buffer drops lines and counts them, instead of growing without bound', async (t) => {
  // A buffer smaller than one line: every line is dropped, as when stdout stalls for long.
  const full = pino.destination({ dest: '/dev/null', sync: false, maxLength: 16 });
  const app = await build(t, {}, { logStream: full });
  t.equal((await app.inject({ method: 'POST', url: '/v1/tokens/rtm', payload: { userId: 'alice' } })).statusCode, 200, 'serving goes on');
  const metrics = (await app.inject({ url: '/metrics' })).body;
  const dropped = Number(/^token_server_log_lines_dropped_total (\d+)$/m.exec(metrics)?.[1]);
  t.ok(dropped >= 1, `the mint's request line (its audit record with it) is counted as dropped (${dropped})`);
});

t.test('the deployed destination is bounded, batched and flushed', async (t) => {
  t.ok(LOG_BUFFER.maxLength <= 16 * 1024 * 1024, 'at most 16 MiB of lines held');
  t.ok(LOG_BUFFER.minLength > 0 && LOG_BUFFER.periodicFlushMs <= 1000, 'batched, and no line waits more than a second');
  const app = await build(t);
  await flushLogs(app);
  t.pass('a stream without flush() (the tests\' sink) resolves at once');
});
