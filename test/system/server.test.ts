/**
 * The process entry, run as a real process (signals, sockets and exit codes cannot
 * be injected). It runs from src/ under this test's own loaders, so it is covered.
 */
import { request as httpRequest, Agent } from 'node:http';
import { connect, createServer } from 'node:net';
import { once } from 'node:events';
import t from 'tap';
import { APP_CERTIFICATE, APP_ID } from '../helper.js';
import { freePort, startServer, stop, type ServerProcess } from '../support/processes.js';
import { hasWholeResponse, isOneShapeError, openRaw, parseResponse } from '../support/raw-http.js';
import { waitFor } from '../support/wait.js';

// Each process compiles src/ under the coverage loaders (several seconds on a busy machine),
// so the processes start together, up front, and the file gets more than tap's default 30 s.
t.setTimeout(300_000);

const credentials = { APP_ID, APP_CERTIFICATE, PORT: '0' };

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

function get(port: number, path: string, agent?: Agent, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: '127.0.0.1', port, path, method, agent: agent ?? false, headers: body ? { 'content-type': 'application/json' } : {} },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const dir = t.testdir({
  withEnvFile: { '.env': `APP_ID=${APP_ID}\nAPP_CERTIFICATE=${APP_CERTIFICATE}\n` },
  empty: {},
  // A directory where the .env file would be.
  envIsDir: { '.env': { 'x': '' } },
});
const cwd = `${dir}/withEnvFile`;
const emptyDir = `${dir}/empty`;
const metricsPort = await freePort();
const all: ServerProcess[] = [];
const start = async (dir: string, env: Record<string, string>, waitListening = true) => {
  const p = await startServer({ cwd: dir, env, waitListening });
  all.push(p);
  return p;
};
t.teardown(() => all.forEach(stop));

// A port held by this test, for the server that cannot listen.
const holder = createServer();
holder.listen(0, '127.0.0.1');
await once(holder, 'listening');
t.teardown(() => holder.close());
const takenPort = (holder.address() as { port: number }).port;

const [envIsDir, badHost, foreignHost, metricsTaken] = await Promise.all([
  start(`${dir}/envIsDir`, credentials, false),
  start(emptyDir, { ...credentials, HOST: 'no-such-host.invalid' }, false),
  // TEST-NET-1: an address no interface of this host has.
  start(emptyDir, { ...credentials, HOST: '192.0.2.1' }, false),
  start(emptyDir, { ...credentials, METRICS_PORT: String(takenPort) }, false),
]);

// A JWKS endpoint that accepts connections and never answers: a request waiting on it is in flight.
const silentJwks = createServer(() => {});
silentJwks.listen(0, '127.0.0.1');
await once(silentJwks, 'listening');
const jwksFetches: unknown[] = [];
silentJwks.on('connection', (c) => jwksFetches.push(c));
t.teardown(() => {
  silentJwks.close();
  for (const c of jwksFetches) (c as { destroy: () => void }).destroy();
});
const silentJwksUrl = `http://127.0.0.1:${(silentJwks.address() as { port: number }).port}/jwks`;

const [badEnv, taken, main, twice, interrupted, stuck, hung] = await Promise.all([
  // No .env in this directory, and a malformed certificate in the environment.
  start(emptyDir, { APP_ID, APP_CERTIFICATE: `${APP_CERTIFICATE}zz`, PORT: '0' }, false),
  start(emptyDir, { ...credentials, PORT: String(takenPort) }, false),
  // Credentials come from the .env file in its working directory.
  start(cwd, { PORT: '0', SHUTDOWN_DRAIN_SECONDS: '1', METRICS_PORT: String(metricsPort) }),
  start(emptyDir, { ...credentials, SHUTDOWN_DRAIN_SECONDS: '60' }),
  start(emptyDir, { ...credentials, SHUTDOWN_DRAIN_SECONDS: '60' }),
  // The shortest forced-exit timeout: a stalled client must not reach it.
  start(emptyDir, { ...credentials, SHUTDOWN_DRAIN_SECONDS: '0', SHUTDOWN_TIMEOUT_SECONDS: '1' }),
  start(emptyDir, {
    ...credentials,
    SHUTDOWN_DRAIN_SECONDS: '0',
    SHUTDOWN_TIMEOUT_SECONDS: '1',
    AUTH_MODE: 'jwt',
    JWT_JWKS_URL: silentJwksUrl,
    JWT_ISSUER: 'https://issuer.test/',
    JWT_AUDIENCE: 'agora-token-server',
  }),
]);

/**
 * Sends a complete GET /healthz and, in the same write, the start of a request that stops
 * short; resolves once the GET is answered. The server reads one small loopback write at once
 * and parses all of it, so by then it has begun the stalled request too: a signal that a
 * request is in flight, where a socket alone shows nothing. `answer` is what came after.
 */
async function stalledBehindAnswer(port: number, partial: string) {
  const c = await openRaw(port);
  c.socket.write(`GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n${partial}`);
  const first = (await c.until((text) => hasWholeResponse(text))).length;
  return {
    socket: c.socket,
    answer: () => c.received().slice(first),
    answered: () => c.until((text) => hasWholeResponse(text.slice(first))),
  };
}

/** A POST whose body is only half sent: a request in flight until `finish` is called. */
async function halfSentRequest(port: number) {
  const body = JSON.stringify({ channelName: 'late', uid: 7 });
  const c = await stalledBehindAnswer(port, `POST /v1/tokens/rtc HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body.slice(0, 5)}`);
  return { ...c, finish: () => c.socket.end(body.slice(5)) };
}

const refused = (port: number) => get(port, '/healthz').then(() => false, (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');

t.test('a bad environment stops start-up with one line naming the variable', async (t) => {
  const { code } = await badEnv.exited;
  t.equal(code, 1);
  t.equal(badEnv.stderr(), 'agora-token-server: APP_CERTIFICATE is invalid: expected your Agora App Certificate: 32 hexadecimal characters (or APP_CERTIFICATE_FILE: a file holding it)\n');
  t.notOk(badEnv.stderr().includes(APP_CERTIFICATE), 'never the value');
});

t.test('every start-up failure: one line on stderr naming the setting, no stack, exit 1', async (t) => {
  const cases: [string, ServerProcess, string][] = [
    ['PORT taken', taken, `agora-token-server: could not listen on HOST 127.0.0.1, PORT ${takenPort}: the port is already in use (EADDRINUSE)\n`],
    ['METRICS_PORT taken', metricsTaken, `agora-token-server: could not listen on HOST 127.0.0.1, METRICS_PORT ${takenPort}: the port is already in use (EADDRINUSE)\n`],
    ['.env is a directory', envIsDir, 'agora-token-server: .env is invalid: it is not a file\n'],
    ['HOST does not resolve', badHost, 'agora-token-server: could not listen on HOST no-such-host.invalid, PORT 0: the address does not resolve (ENOTFOUND)\n'],
    ['HOST not of this host', foreignHost, 'agora-token-server: could not listen on HOST 192.0.2.1, PORT 0: the address is not one of this host (EADDRNOTAVAIL)\n'],
  ];
  for (const [what, p, line] of cases) {
    t.equal((await p.exited).code, 1, `${what}: exit 1`);
    t.equal(p.stderr(), line, `${what}: exactly one line`);
    t.notOk(p.logs.some((l) => l.level === 50 || 'err' in l), `${what}: no JSON error with a stack`);
  }
});

t.test('SIGTERM: readiness 503 at once, serving through the drain, in-flight finished, exit 0', async (t) => {
  const p = main;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  t.teardown(() => agent.destroy());
  t.equal((await get(p.port, '/readyz', agent)).status, 200, 'ready, with credentials from .env');
  t.equal((await get(p.port, '/metrics')).status, 404, 'metrics are not on the public port');
  t.match((await get(metricsPort, '/metrics')).body, 'token_server_draining 0');

  // A request whose body is still arriving when SIGTERM comes, and finishes during the drain: answered.
  const slow = await halfSentRequest(p.port);
  // One that never finishes: at close it gets a 408 and cannot hold the shutdown.
  const stalled = await halfSentRequest(p.port);
  // And one on the metrics listener, which closes last.
  const stalledScrape = connect(metricsPort, '127.0.0.1');
  await once(stalledScrape, 'connect');
  stalledScrape.on('error', () => {});
  stalledScrape.write('GET /metrics HTTP/1.1\r\nHost: x\r\n');

  const signalled = Date.now();
  p.child.kill('SIGTERM');
  // The server's own signal that the drain began; readiness must already say so.
  await p.logged((l) => String(l.msg).startsWith('draining'));
  const ready = await get(p.port, '/readyz', agent);
  t.equal(ready.status, 503, 'not ready at once');
  t.match(JSON.parse(ready.body), { code: 'DRAINING' });
  const token = await get(p.port, '/v1/tokens/chat', undefined, 'POST', '{}');
  t.equal(token.status, 200, 'still minting during the drain');
  t.equal(token.headers.connection, 'close', 'callers are told to reconnect elsewhere');
  t.match((await get(metricsPort, '/metrics')).body, 'token_server_draining 1', 'the metrics listener sees the drain');
  slow.finish();
  await slow.answered();

  // The drain is over when the server says it is closing; it stops listening right after.
  await p.logged((l) => String(l.msg).startsWith('closing'));
  t.ok(await waitFor(() => refused(p.port), 30_000), 'no new connections after the drain');
  const { code, at } = await p.exited;
  t.equal(code, 0, 'exit 0');
  // The drain length is the behaviour: not before SHUTDOWN_DRAIN_SECONDS (tight), no upper bound.
  t.ok(at - signalled >= 1000, `exited after the drain (${at - signalled} ms)`);
  t.match(slow.answer(), /^HTTP\/1\.1 200 OK/, 'the request finished during the drain was answered');
  t.match(slow.answer(), /connection: close/i);
  t.match(stalled.answer(), /^HTTP\/1\.1 408 Request Timeout/, 'the stalled one got a 408 at close');
  t.ok(stalledScrape.destroyed || stalledScrape.readableEnded, 'the stalled scrape did not hold the metrics listener');
  stalledScrape.destroy();
  const messages = p.logs.map((l) => l.msg);
  t.ok(messages.includes('shutting down') && messages.includes('closed'));
  t.ok(p.logs.some((l) => l.msg === 'request' && l.url === '/v1/tokens/rtc' && l.statusCode === 200), 'the in-flight request is logged');
});

t.test('a second signal exits at once', async (t) => {
  const p = twice;
  p.child.kill('SIGTERM');
  await p.logged((l) => String(l.msg).startsWith('draining'));
  p.child.kill('SIGTERM');
  const { code } = await p.exited;
  t.equal(code, 1);
  t.ok(p.logs.some((l) => l.msg === 'second signal: exiting now'));
  t.notOk(p.logs.some((l) => l.msg === 'closed'), 'exited without waiting for the 60 s drain and the close');
});

t.test('SIGINT (Ctrl-C) skips the drain', async (t) => {
  const p = interrupted;
  p.child.kill('SIGINT');
  const { code } = await p.exited;
  t.equal(code, 0);
  const drain = p.logs.find((l) => String(l.msg).startsWith('draining'));
  t.equal(drain?.drainMs, 0, 'a drain of 0 ms, not the configured 60 s');
  t.ok(p.logs.some((l) => l.msg === 'closed'), 'closed cleanly');
});

t.test('stalled clients (headers or body never finished) cannot force exit 1: 408 in the one shape, exit 0', async (t) => {
  // Before the fix Node stopped its deadline checks at close, the stalled connections held
  // the close and SHUTDOWN_TIMEOUT_SECONDS ended in the forced exit with status 1.
  const p = stuck;
  // Both begun on the server before the signal (each behind an answered request, see stalledBehindAnswer).
  const body = await halfSentRequest(p.port);
  const headers = await stalledBehindAnswer(p.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer half-');
  p.child.kill('SIGTERM');
  const { code } = await p.exited;
  body.socket.destroy();
  headers.socket.destroy();
  t.equal(code, 0, 'a clean exit');
  t.ok(p.logs.some((l) => l.msg === 'closed'), 'the close finished');
  t.notOk(p.logs.some((l) => /killed by timeout/.test(String(l.msg))), 'not the forced-exit path');
  for (const [name, text] of [['body', body.answer()], ['headers', headers.answer()]] as const) {
    const res = parseResponse(text);
    t.equal(res?.status, 408, name);
    t.ok(res && isOneShapeError(res), `${name}: the one error shape`);
  }
});

t.test('a request still being answered after SHUTDOWN_TIMEOUT_SECONDS: forced exit 1', async (t) => {
  // Its JWT's key is being fetched from a JWKS endpoint that never answers.
  const p = hung;
  const jwt = `${Buffer.from('{"alg":"RS256","kid":"k1"}').toString('base64url')}.${Buffer.from('{"sub":"a"}').toString('base64url')}.c2ln`;
  const fetching = once(silentJwks, 'connection');
  const req = httpRequest({ host: '127.0.0.1', port: p.port, path: '/v1/tokens/chat', method: 'POST', headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' } });
  req.on('error', () => {});
  req.end('{}');
  // In flight for good once the server asks the JWKS endpoint for the key.
  await fetching;
  const signalled = Date.now();
  p.child.kill('SIGTERM');
  const { code, at } = await p.exited;
  req.destroy();
  t.equal(code, 1);
  // SHUTDOWN_TIMEOUT_SECONDS is the behaviour: not before it runs out (tight), no upper bound.
  t.ok(at - signalled >= 1000, `forced only once the 1 s timeout ran out (${at - signalled} ms)`);
  t.ok(p.logs.some((l) => l.level === 50 && /killed by timeout/.test(String(l.msg))), 'logged as an error');
});
