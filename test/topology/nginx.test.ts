/**
 * A real topology on loopback: nginx (the Debian package) balancing two server
 * processes, with the shipped deploy/nginx/token-server.conf. Tokens go through
 * nginx; then, under a bounded autocannon load, each backend in turn gets SIGTERM,
 * drains, exits and starts again: not one request may fail.
 * Needs processes and ports, hence not app.inject. Backends run the built dist/.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import t, { type Test } from 'tap';
import { decode007, verify007 } from '../../src/tokens/codec.js';
import { APP_CERTIFICATE, APP_ID } from '../helper.js';
import { ROOT, SERVER_DIST, freePort, startServer, stop, type ServerProcess } from '../support/processes.js';
import { startRedis } from '../support/redis.js';

t.setTimeout(240_000);

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const LOAD_CONNECTIONS = 8;
/** Hard cap on the load; the test stops it as soon as both backends have been restarted. */
const LOAD_MAX_SECONDS = 40;
const LOAD_KEY = 'load-key-0123456789abcdef';
const LIMITED_KEY = 'limited-key-0123456789abcdef';
const SHARED_LIMIT = 5;

if (!NGINX) {
  // CI installs nginx (.ci/run); elsewhere say loudly what is not being tested.
  const message = 'NGINX NOT INSTALLED: the load-balancer topology test did NOT run (apt-get install -y nginx)';
  if (process.env.CI) t.fail(message);
  else t.test(message, { skip: message }, () => {});
} else if (!existsSync(SERVER_DIST)) {
  t.fail('dist/server.js is missing: run `npm run build` first (npm test does)');
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
    await Promise.race([Promise.all(exits), sleep(5000)]);
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
    TRUST_PROXY: 'loopback',
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
  backends.push(...(await Promise.all([startBackend(0), startBackend(1)])));

  // nginx with the shipped server block; only the upstream and the listen address are the test's.
  const lbPort = await freePort();
  const shipped = readFileSync(`${ROOT}deploy/nginx/token-server.conf`, 'utf8');
  t.match(shipped, /^\s*listen 8080;$/m);
  const serverBlock = shipped.replace(/^(\s*)listen 8080;$/m, `$1listen 127.0.0.1:${lbPort};`);
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
${serverBlock}
}
`,
  );
  const check = spawnSync(nginxBin, ['-t', '-p', dir, '-c', `${dir}/nginx.conf`], { encoding: 'utf8' });
  t.equal(check.status, 0, `nginx -t accepts the shipped server block ${check.stderr}`);
  const nginx = spawn(nginxBin, ['-p', dir, '-c', `${dir}/nginx.conf`], { stdio: 'ignore' });
  children.push(nginx);
  const lb = `http://127.0.0.1:${lbPort}`;
  for (let i = 0; i < 100; i++) {
    const ok = await fetch(`${lb}/readyz`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(50);
  }

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

  /** Tokens a backend has minted, read from its own metrics listener; polled until > 0 (at most 15 s). */
  async function servedThroughNginx(i: number): Promise<number> {
    for (let attempt = 0; attempt < 150; attempt++) {
      // The metrics listener starts just after the main one.
      const text = await fetch(`http://127.0.0.1:${metricsPorts[i]}/metrics`).then((r) => r.text(), () => '');
      const minted = Number(/token_server_tokens_minted_total\{type="rtc",version="007"\} (\d+)/.exec(text)?.[1] ?? 0);
      if (minted > 0) return minted;
      await sleep(100);
    }
    return 0;
  }

  t.test('rolling restart under load: zero failed requests', async (t) => {
    let result: autocannon.Result | undefined;
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
      (err, r) => {
        if (err) throw err;
        result = r;
      },
    );
    await sleep(1000);
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
    while (!result) await sleep(20);
    const r = result;
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
