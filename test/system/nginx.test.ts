/**
 * A real topology on loopback: nginx (the Debian package) balancing two server
 * processes, with the shipped deploy/nginx/token-server.conf. Tokens go through
 * nginx; then, under a bounded autocannon load, each backend in turn gets SIGTERM,
 * drains, exits and starts again: not one request may fail.
 * Needs processes and ports, hence not app.inject. Backends run the built dist/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import t, { type Test } from 'tap';
import { decode007, verify007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, APP_ID } from '../helper.js';
import { ROOT, SERVER_DIST, freePort, startServer, stop, type ServerProcess } from '../support/processes.js';
import { startRedis } from '../support/redis.js';
import { until, waitFor } from '../support/wait.js';

t.setTimeout(240_000);

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const LOAD_CONNECTIONS = 8;
/** Hard cap on the load; the test stops it as soon as both backends have been restarted. */
const LOAD_MAX_SECONDS = 40;
const LOAD_KEY = 'load-key-0123456789abcdef';
const LIMITED_KEY = 'limited-key-0123456789abcdef';
const SHARED_LIMIT = 5;
const PER_CLIENT_LIMIT = 3;

interface Answer {
  status: number;
  type: string;
  body: string;
  requestId: string | undefined;
}

/** A GET from a chosen loopback source address (fetch cannot pick one). */
function getFrom(localAddress: string, url: string, headers: Record<string, string> = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { localAddress, headers, agent: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body, requestId: res.headers['x-request-id'] as string | undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

if (!NGINX) {
  // CI installs nginx (.ci/run); elsewhere say loudly what is not being tested.
  const message = 'NGINX NOT INSTALLED: the load-balancer topology test did NOT run (apt-get install -y nginx)';
  if (process.env.CI) t.fail(message);
  else t.test(message, { skip: message }, () => {});
} else if (!existsSync(SERVER_DIST)) {
  t.fail('dist/bundle/server.js is missing: run `npm run build` first (npm test does)');
} else {
  const nginxBin = NGINX;
  t.test('nginx in front of two backends', (t) => topology(t, nginxBin));
}

async function topology(t: Test, nginxBin: string) {
  const dir = t.testdir({});
  const children: ChildProcess[] = [];
  const backends: ServerProcess[] = [];
  t.teardown(async () => {
    backends.forEach(stop);
    // SIGTERM, not SIGKILL: a killed nginx master leaves its worker process behind.
    const exits = children.filter((c) => c.exitCode === null).map((c) => new Promise((resolve) => c.once('exit', resolve)));
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
    // SIGTERM ends nginx at once; should it not, SIGKILL after a generous bound, so the run is not held.
    await Promise.race([Promise.all(exits), sleep(30_000)]);
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  });

  // Two API keys: one for the load (the global limit is out of its way), one with a
  // small per-key limit that both backends must enforce together through Redis.
  writeFileSync(`${dir}/api-keys`, `load:${LOAD_KEY}\nlimited:${LIMITED_KEY} rateLimit=${SHARED_LIMIT}\n`);
  const env: Record<string, string> = {
    APP_ID,
    APP_CERTIFICATE,
    SHUTDOWN_DRAIN_SECONDS: '1',
    SHUTDOWN_TIMEOUT_SECONDS: '5',
    LOG_LEVEL: 'warn',
    // The load below is one client behind nginx: it measures restarts, not the rate limit.
    RATE_LIMIT_MAX: '999999999',
    // Exactly the proxy in front (nginx connects from 127.0.0.1), as the recipes do:
    // 'loopback' would also trust the test's clients on 127.0.0.2 and 127.0.0.3.
    TRUST_PROXY: '127.0.0.1',
    AUTH_MODE: 'apiKey',
    API_KEYS_FILE: `${dir}/api-keys`,
  };
  env.REDIS_URL = (await startRedis(t)).url;

  const ports = [await freePort(), await freePort()];
  const metricsPorts = [await freePort(), await freePort()];
  const startBackend = (i: number) =>
    startServer({
      cwd: dir,
      entry: 'dist',
      env: { ...env, PORT: String(ports[i]), METRICS_PORT: String(metricsPorts[i]), LOG_LEVEL: 'info' },
    });
  // An open server (AUTH_MODE none, as Compose ships by default) whose limits are per client IP,
  // with /metrics on its public port (METRICS_PORT unset): behind its own copy of the server block.
  const openPort = await freePort();
  const [first, second, open] = await Promise.all([
    startBackend(0),
    startBackend(1),
    startServer({
      cwd: dir,
      entry: 'dist',
      env: { APP_ID, APP_CERTIFICATE, PORT: String(openPort), LOG_LEVEL: 'info', RATE_LIMIT_MAX: String(PER_CLIENT_LIMIT), TRUST_PROXY: '127.0.0.1' },
    }),
  ]);
  backends.push(first, second);
  const openBackend = open;
  t.teardown(() => stop(openBackend));

  // nginx with the shipped server block; only the upstream and the listen address are the test's.
  const lbPort = await freePort();
  const shipped = readFileSync(`${ROOT}deploy/nginx/token-server.conf`, 'utf8');
  t.match(shipped, /^\s*listen 8080;$/m);
  const serverBlock = shipped.replace(/^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${lbPort};`);
  const openLbPort = await freePort();
  const openBlock = shipped
    .replace(/^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${openLbPort};`)
    .replace('proxy_pass http://token_server;', 'proxy_pass http://open_server;')
    // The map is http-level: defined once, by the first copy.
    .replace(/^map [^}]*\}\n/m, '');
  for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(`${dir}/${sub}`, { recursive: true });
  writeFileSync(
    `${dir}/nginx.conf`,
    `daemon off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream token_server {
    server 127.0.0.1:${ports[0]} max_fails=1 fail_timeout=1s;
    server 127.0.0.1:${ports[1]} max_fails=1 fail_timeout=1s;
    keepalive 16;
    keepalive_timeout 60s;
  }
  upstream open_server {
    server 127.0.0.1:${openPort};
  }
${serverBlock}
${openBlock}
}
`,
  );
  const check = spawnSync(nginxBin, ['-t', '-p', dir, '-c', `${dir}/nginx.conf`], { encoding: 'utf8' });
  t.equal(check.status, 0, `nginx -t accepts the shipped server block ${check.stderr}`);
  const nginx = spawn(nginxBin, ['-p', dir, '-c', `${dir}/nginx.conf`], { stdio: 'ignore' });
  children.push(nginx);
  const lb = `http://127.0.0.1:${lbPort}`;
  await until('nginx to pass /readyz through', () => fetch(`${lb}/readyz`).then((r) => r.ok, () => false), 30_000);

  t.test('tokens through nginx', async (t) => {
    const res = await fetch(`${lb}/v1/tokens/rtc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'through-nginx-1', authorization: `Bearer ${LOAD_KEY}` },
      body: JSON.stringify({ channelName: 'lobby', uid: 4242, role: 'publisher' }),
    });
    t.equal(res.status, 200);
    t.equal(res.headers.get('x-request-id'), 'through-nginx-1', 'the request id crosses the balancer both ways');
    const body = (await res.json()) as { token: string };
    const decoded = decode007(body.token);
    t.ok(verify007(decoded, APP_CERTIFICATE), 'signed with the certificate');
    t.match(decoded.services[0], { name: 'rtc', channelName: 'lobby', uid: '4242' });
    t.equal((await fetch(`${lb}/metrics`)).status, 404, 'metrics are not published through the balancer');
    const generated = await fetch(`${lb}/healthz`);
    t.match(generated.headers.get('x-request-id'), /^[0-9a-f]{32}$/, "nginx's own request id when the caller sends none");
  });

  /** Tokens a backend has minted, read from its own metrics listener; polled until > 0 (at most 30 s). */
  async function servedThroughNginx(i: number): Promise<number> {
    let minted = 0;
    await waitFor(async () => {
      // The metrics listener starts just after the main one.
      const text = await fetch(`http://127.0.0.1:${metricsPorts[i]}/metrics`).then((r) => r.text(), () => '');
      minted = Number(/token_server_tokens_minted_total\{type="rtc",version="007"\} (\d+)/.exec(text)?.[1] ?? 0);
      return minted > 0;
    }, 30_000, 100);
    return minted;
  }

  t.test('rolling restart under load: zero failed requests', async (t) => {
    let settle: (err: Error | null, r: autocannon.Result) => void = () => {};
    const finished = new Promise<autocannon.Result>((resolve, reject) => {
      settle = (err, r) => (err ? reject(err) : resolve(r));
    });
    const load = autocannon(
      {
        url: `${lb}/v1/tokens/rtc`,
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${LOAD_KEY}` },
        body: JSON.stringify({ channelName: 'rolling', uid: 7 }),
        connections: LOAD_CONNECTIONS,
        duration: LOAD_MAX_SECONDS,
        timeout: 10,
      },
      (err, r) => settle(err, r),
    );
    // Restart only once the load is flowing through nginx.
    await once(load, 'response');
    const restarts: string[] = [];
    for (const i of [0, 1]) {
      const old = backends[i] as ServerProcess;
      const signalled = Date.now();
      old.child.kill('SIGTERM');
      const { code } = await old.exited;
      t.equal(code, 0, `backend ${i} exits 0 after its drain`);
      const started = await startBackend(i);
      backends[i] = started;
      const listening = Date.now() - signalled;
      // The new process must take traffic through nginx before the other one goes.
      const served = await servedThroughNginx(i);
      restarts.push(`backend ${i}: SIGTERM → exit ${code} → listening again after ${listening} ms → ${served} tokens minted through nginx`);
      t.ok(served > 0, `restarted backend ${i} takes traffic through nginx`);
    }
    load.stop();
    const r = await finished;
    const counts = {
      requests: r.requests.total,
      '2xx': r['2xx'],
      non2xx: r.non2xx,
      errors: r.errors,
      timeouts: r.timeouts,
      seconds: r.duration,
      'req/s': Math.round(r.requests.average),
      'latency p99 ms': r.latency.p99,
    };
    for (const line of restarts) t.comment(line);
    t.comment(`rolling restart through nginx: ${JSON.stringify(counts)}`);
    console.log(`# nginx rolling restart: ${JSON.stringify(counts)}`);
    t.ok(r.requests.total > 100, 'the load really ran');
    t.equal(r.non2xx, 0, 'no non-2xx response');
    t.equal(r.errors, 0, 'no connection error');
    t.equal(r.timeouts, 0, 'no timeout');
    t.equal(r['2xx'], r.requests.total, 'every request answered 200');
  });

  const openLb = `http://127.0.0.1:${openLbPort}`;

  t.test('two clients behind nginx get separate rate-limit buckets, logged with their own address', async (t) => {
    const mint = (from: string, headers: Record<string, string> = {}) =>
      getFrom(from, `${openLb}/rtc/buckets/publisher/uid/1`, headers).then((r) => r.status);
    // Only this subtest's lines: the other subtests call the open backend too, in whatever order.
    const fromLine = openBackend.logs.length;
    const requestLines = () => openBackend.logs.slice(fromLine).filter((l) => l.msg === 'request');
    const first: number[] = [];
    for (let i = 0; i <= PER_CLIENT_LIMIT; i++) first.push(await mint('127.0.0.2'));
    t.same(first, [...Array(PER_CLIENT_LIMIT).fill(200), 429], `client 127.0.0.2: ${PER_CLIENT_LIMIT} pass, then 429`);
    // A forged X-Forwarded-For is left of the address nginx appends: it changes nothing.
    t.equal(await mint('127.0.0.3', { 'x-forwarded-for': '127.0.0.9' }), 200, 'client 127.0.0.3 has its own bucket');
    t.equal(await mint('127.0.0.2', { 'x-forwarded-for': '127.0.0.3' }), 429, 'forging another address does not escape the limit');
    await waitFor(() => requestLines().length >= PER_CLIENT_LIMIT + 3);
    const lines = requestLines();
    t.same(
      lines.map((l) => `${String(l.clientIp)} ${String(l.statusCode)}`),
      ['127.0.0.2 200', '127.0.0.2 200', '127.0.0.2 200', '127.0.0.2 429', '127.0.0.3 200', '127.0.0.2 429'],
      'each request line carries the client address, 429s included',
    );
    t.notOk(openBackend.logs.some((l) => String(l.msg).includes('TRUST_PROXY is off')), 'no warning: TRUST_PROXY names nginx');
  });

  t.test('/metrics in every spelling: refused by nginx, and by the app for anything that crossed a proxy', async (t) => {
    for (const path of ['/metrics', '/metrics/', '//metrics', '/metrics//', '/METRICS', '/Metrics/', '/%6detrics', '/metrics%2F', '/metrics?x=1', '/./metrics', '/x/../metrics/']) {
      const res = await getFrom('127.0.0.2', `${openLb}${path}`);
      t.equal(res.status, 404, `${path} through nginx: 404`);
      const json = JSON.parse(res.body) as Record<string, unknown>;
      t.match(json, { statusCode: 404, error: 'Not Found', code: 'NOT_FOUND', message: /scrape each replica on its METRICS_PORT/ }, `${path}: answered by nginx itself, never forwarded`);
      t.same(Object.keys(json).sort(), ['code', 'error', 'message', 'requestId', 'statusCode'], `${path}: the one error shape`);
      t.match(res.type, /^application\/json/);
      t.ok(res.requestId && json.requestId === res.requestId, `${path}: its request id in X-Request-Id too`);
      t.notMatch(res.body, /process_cpu|token_server_/, `${path}: no metric`);
    }
    const sane = await getFrom('127.0.0.2', `${openLb}/metrics`, { 'x-request-id': 'trace-42' });
    t.equal(JSON.parse(sane.body).requestId, 'trace-42', 'a sane X-Request-Id is kept');
    const hostile = await getFrom('127.0.0.2', `${openLb}/metrics`, { 'x-request-id': 'x","code":"OWNED' });
    t.match(JSON.parse(hostile.body), { code: 'NOT_FOUND', requestId: /^[0-9a-f]{32}$/ }, 'any other is replaced, never pasted into the JSON');
    const direct = `http://127.0.0.1:${openPort}`;
    t.equal((await getFrom('127.0.0.1', `${direct}/metrics`)).status, 200, 'a scraper calling the replica directly gets the metrics');
    for (const path of ['/metrics', '/metrics/', '//metrics']) {
      const res = await getFrom('127.0.0.1', `${direct}${path}`, { 'x-forwarded-for': '203.0.113.7' });
      t.equal(res.status, 404, `${path} with X-Forwarded-For straight to the app: 404`);
      t.match(JSON.parse(res.body), { code: 'NOT_FOUND' }, 'in the one error shape');
    }
  });

  t.test('a rate limit holds across both backends (shared Redis)', async (t) => {
    // nginx alternates the requests between the backends: with per-instance counters
    // this key would get twice its limit; with the counter in Redis, exactly its limit.
    const statuses: number[] = [];
    let limited: Response | undefined;
    for (let i = 0; i < SHARED_LIMIT * 2 + 2; i++) {
      const res = await fetch(`${lb}/v1/tokens/rtm`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': LIMITED_KEY },
        body: JSON.stringify({ userId: 'shared-limit' }),
      });
      statuses.push(res.status);
      if (res.status === 429) limited = res;
      else await res.arrayBuffer();
    }
    t.comment(`statuses through nginx: ${statuses.join(' ')}`);
    t.equal(statuses.filter((s) => s === 200).length, SHARED_LIMIT, `${SHARED_LIMIT} requests pass in all, not per backend`);
    t.same(statuses.slice(SHARED_LIMIT), Array(SHARED_LIMIT + 2).fill(429), 'every later request is limited, whichever backend answers');
    t.ok(Number(limited?.headers.get('retry-after')) > 0, 'Retry-After is set');
    t.match(await limited?.json(), { statusCode: 429, code: 'RATE_LIMITED' });
  });
}
