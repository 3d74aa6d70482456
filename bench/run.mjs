#!/usr/bin/env node
// The service measured AS DEPLOYED against its peers, on loopback (see docs/benchmark.md).
//   npm run bench [-- --seconds 3 --pairs 3 --only rtc007,jwt --memory-seconds 60 --no-memory --no-cold --image]
// The service runs with AUTH_MODE=apiKey (a key on every request), the rate limit on (a limit too
// high to trigger), metrics on and info logs written to a file. Every server is pinned to core 0
// with taskset; this process (autocannon) is pinned to core 1. Legs alternate A B A B … and each
// figure is the median of the per-pair ratios, because this machine is shared and noisy.
// Prints figures and writes them as JSON under bench/results/ (git-ignored); it asserts nothing.
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { SignJWT } from 'jose';
import { API_KEY, APP_CERTIFICATE, APP_ID, DEPLOYED_ENV, RTC006, RTC007, RTM, TUTORIAL_QUERY } from './deployed.mjs';

const { values: opt } = parseArgs({
  options: {
    seconds: { type: 'string', default: '2' },
    pairs: { type: 'string', default: '5' },
    connections: { type: 'string', default: '50' },
    only: { type: 'string' },
    'memory-seconds': { type: 'string', default: '60' },
    'no-memory': { type: 'boolean', default: false },
    'no-cold': { type: 'boolean', default: false },
    'cold-runs': { type: 'string', default: '5' },
    image: { type: 'boolean', default: false },
    // Another build of the service as peer B of every scenario, before/after one change: a copy of dist/ one
    // level below the repository (its bundle finds ../../package.json), e.g. `cp -r dist dist-old`, then
    // --against dist-old/bundle/server.js.
    against: { type: 'string' },
    // V8 flags for the service instead of those the image sets (Dockerfile ENV NODE_OPTIONS).
    'node-options': { type: 'string' },
    // With --against: other V8 flags for that build (default: the same as this one).
    'against-node-options': { type: 'string' },
    'image-memory': { type: 'string', default: '256m' },
  },
});
const SECONDS = Number(opt.seconds);
const PAIRS = Number(opt.pairs);
const CONNECTIONS = Number(opt.connections);
const ROOT = new URL('..', import.meta.url).pathname;
const RESULTS = join(ROOT, 'bench/results');
mkdirSync(RESULTS, { recursive: true });
const STAMP = new Date().toISOString().replace(/[:.]/g, '-');

const SERVER_CORE = '0';
const LOAD_CORE = availableParallelism() > 1 ? '1' : '0';
// All of this process's threads, so that autocannon never competes with the server's core.
execFileSync('taskset', ['-a', '-p', '-c', LOAD_CORE, String(process.pid)], { stdio: 'ignore' });

const JWT_SECRET = 'bench-jwt-secret-0123456789abcdef0123456789';
// An end user's token: its own uid, allowed to publish (the policy checks both on every mint).
const jwt = await new SignJWT({ uid: 1234, agora: { roles: ['publisher'] } })
  .setProtectedHeader({ alg: 'HS256' })
  .setSubject('bench-user')
  .setIssuer('https://issuer.bench')
  .setAudience('agora-token-server')
  .setIssuedAt()
  .setExpirationTime('2h')
  .sign(new TextEncoder().encode(JWT_SECRET));

/** The service runs with the V8 flags its image sets: one place decides them (the Dockerfile). */
function imageNodeOptions() {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  return /^ENV\b[^\n]*?\bNODE_OPTIONS="([^"]*)"/m.exec(dockerfile.replace(/\\\n\s*/g, ' '))?.[1] ?? '';
}
const NODE_OPTIONS = opt['node-options'] ?? imageNodeOptions();

/**
 * The image primes Node's compile cache when it is built (Dockerfile: ENV NODE_COMPILE_CACHE and
 * the RUN that imports the app): the bench primes one the same way, with the service's V8 flags,
 * and the service reads it read-only, as in the image. Empty when the Dockerfile sets none.
 */
function compileCacheEnv(script) {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8').replace(/\\\n\s*/g, ' ');
  const prime = /^RUN NODE_COMPILE_CACHE=\S+ NODE_COMPILE_CACHE_READONLY=0 node --input-type=module -e "([^"]*)"/m.exec(dockerfile)?.[1];
  if (!/^ENV\b[^\n]*\bNODE_COMPILE_CACHE=/m.test(dockerfile) || !prime) return {};
  const dir = join(RESULTS, `${STAMP}-compile-cache-${script.replace(/\W+/g, '-')}`);
  // The image's paths are relative to /app; here to the script's build (dist/ or a copied one).
  // (Primed by this process's user, who also runs the service: the cache is keyed by the user id.)
  const base = `${dirname(resolve(ROOT, script))}/`;
  execFileSync(process.execPath, ['--input-type=module', '-e', prime.replaceAll('./dist/bundle/', base)], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, NODE_OPTIONS, NODE_COMPILE_CACHE: dir },
  });
  return { NODE_COMPILE_CACHE: dir, NODE_COMPILE_CACHE_READONLY: '1' };
}

const SERVICE_ENV = { NODE_OPTIONS, ...DEPLOYED_ENV };
const JWT_ENV = {
  ...SERVICE_ENV,
  AUTH_MODE: 'jwt',
  API_KEYS: undefined,
  JWT_SECRET,
  JWT_ISSUER: 'https://issuer.bench',
  JWT_AUDIENCE: 'agora-token-server',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Spawns a server pinned to the server core, its stdout appended to a log file. */
async function start(name, script, env) {
  const port = await freePort();
  const logPath = join(RESULTS, `${STAMP}-${name}.log`);
  const fd = openSync(logPath, 'a');
  const child = spawn('taskset', ['-c', SERVER_CORE, process.execPath, script], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, PORT: String(port) },
    stdio: ['ignore', fd, 'inherit'],
  });
  closeSync(fd);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return { name, child, port, logPath, base: `http://127.0.0.1:${port}`, exited };
}

async function stop(server) {
  server.child.kill('SIGTERM');
  await server.exited;
  rmSync(server.logPath, { force: true });
}

/** Each scenario's request: the same work on both sides of the comparison. */
const body = (b) => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) });
const KEY = { 'x-api-key': API_KEY };
const BEARER = { authorization: `Bearer ${jwt}` };
const withAuth = (req, auth) => ({ ...req, headers: { ...req.headers, ...auth } });

const SCENARIOS = [
  {
    id: 'access_token',
    label: 'GET /access_token vs tutorial',
    target: 1.0,
    a: { env: SERVICE_ENV, path: TUTORIAL_QUERY, req: { method: 'GET', headers: KEY } },
    b: { peer: 'tutorial', path: TUTORIAL_QUERY, req: { method: 'GET' } },
  },
  {
    // Not a target: where the framework alone stands against the tutorial, and what the features cost on top.
    id: 'framework',
    label: 'bare Fastify vs tutorial (no features)',
    a: { peer: 'floor', path: TUTORIAL_QUERY, req: { method: 'GET' } },
    b: { peer: 'tutorial', path: TUTORIAL_QUERY, req: { method: 'GET' } },
  },
  {
    id: 'features',
    label: 'GET /access_token vs bare Fastify',
    a: { env: SERVICE_ENV, path: TUTORIAL_QUERY, req: { method: 'GET', headers: KEY } },
    b: { peer: 'floor', path: TUTORIAL_QUERY, req: { method: 'GET' } },
  },
  {
    id: 'rtc006',
    label: 'v1 RTC 006 vs ceiling',
    target: 0.7,
    p99: 10,
    a: { env: SERVICE_ENV, path: '/v1/tokens/rtc', req: withAuth(body(RTC006), KEY) },
    b: { peer: 'ceiling', path: '/v1/tokens/rtc', req: body(RTC006) },
  },
  {
    id: 'rtc007',
    label: 'v1 RTC 007 vs ceiling',
    target: 0.85,
    p99: 15,
    a: { env: SERVICE_ENV, path: '/v1/tokens/rtc', req: withAuth(body(RTC007), KEY) },
    b: { peer: 'ceiling', path: '/v1/tokens/rtc', req: body(RTC007) },
  },
  {
    id: 'rtm007',
    label: 'v1 RTM 007 vs ceiling',
    a: { env: SERVICE_ENV, path: '/v1/tokens/rtm', req: withAuth(body(RTM), KEY) },
    b: { peer: 'ceiling', path: '/v1/tokens/rtm', req: body(RTM) },
  },
  {
    id: 'jwt007',
    label: 'v1 RTC 007, JWT auth vs ceiling',
    a: { env: JWT_ENV, path: '/v1/tokens/rtc', req: withAuth(body(RTC007), BEARER) },
    b: { peer: 'ceiling', path: '/v1/tokens/rtc', req: body(RTC007) },
  },
];

const PEERS = {
  tutorial: { script: 'bench/tutorial/server.cjs', env: { APP_ID, APP_CERTIFICATE } },
  ceiling: { script: 'bench/ceiling.mjs', env: { APP_ID, APP_CERTIFICATE } },
  floor: { script: 'bench/floor.mjs', env: { APP_ID, APP_CERTIFICATE } },
  service: { script: 'dist/bundle/server.js' },
};

function serverFor(side) {
  if (side.peer === 'against') {
    const flags = opt['against-node-options'];
    return { name: 'against', script: opt.against, env: flags === undefined ? side.env : { ...side.env, NODE_OPTIONS: flags } };
  }
  if (side.peer) return { name: side.peer, ...PEERS[side.peer] };
  return { name: 'service', script: PEERS.service.script, env: side.env };
}

async function ready(server, side) {
  // An object, not a local: the flag is set by a promise callback while the loop awaits.
  const state = { exited: false };
  void server.exited?.then(() => (state.exited = true));
  for (let i = 0; i < 500 && !state.exited; i++) {
    try {
      const res = await fetch(server.base + side.path, { ...side.req, signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {}
    await sleep(20);
  }
  throw new Error(`${server.name} did not answer ${side.path}`);
}

/** CPU seconds the process has used so far, all threads (user + system). */
function cpuSeconds(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime: fields 14 and 15 of stat(5), in clock ticks (100 per second on Linux).
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function load(server, side, seconds) {
  const cpu0 = cpuSeconds(server.child.pid);
  const r = await autocannon({ url: server.base + side.path, connections: CONNECTIONS, duration: seconds, ...side.req });
  const cpuUsPerRequest = ((cpuSeconds(server.child.pid) - cpu0) * 1e6) / Math.max(1, r.requests.total);
  // Keep the log file small: each leg starts from an empty file (the server appends).
  truncateSync(server.logPath, 0);
  return { rps: r.requests.average, cpuUs: cpuUsPerRequest, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, total: r.requests.total };
}

const median = (xs) => {
  const s = [...xs].sort((x, y) => x - y);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const summarize = (legs) => ({
  rps: median(legs.map((l) => l.rps)),
  cpuUs: median(legs.map((l) => l.cpuUs)),
  p50: median(legs.map((l) => l.p50)),
  p99: median(legs.map((l) => l.p99)),
  errors: legs.reduce((n, l) => n + l.errors, 0),
  non2xx: legs.reduce((n, l) => n + l.non2xx, 0),
});

async function abScenario(sc) {
  const a = await start(`${sc.id}-service`, serverFor(sc.a).script, serverFor(sc.a).env);
  const b = await start(`${sc.id}-${sc.b.peer}`, serverFor(sc.b).script, serverFor(sc.b).env);
  // (taskset execs node, so child.pid is the server's own pid for /proc.)
  try {
    await Promise.all([ready(a, sc.a), ready(b, sc.b)]);
    // Warm-up (JIT, pools): not counted.
    await load(a, sc.a, 1);
    await load(b, sc.b, 1);
    const legsA = [];
    const legsB = [];
    for (let i = 0; i < PAIRS; i++) {
      legsA.push(await load(a, sc.a, SECONDS));
      legsB.push(await load(b, sc.b, SECONDS));
    }
    const ratios = legsA.map((l, i) => l.rps / legsB[i].rps);
    // The same comparison by CPU time per request: much less sensitive to other processes on the core.
    const cpuRatios = legsA.map((l, i) => legsB[i].cpuUs / l.cpuUs);
    return { id: sc.id, label: sc.label, target: sc.target, p99Target: sc.p99, ratio: median(ratios), ratios, cpuRatio: median(cpuRatios), cpuRatios, a: summarize(legsA), b: summarize(legsB), peer: sc.b.peer, legsA, legsB };
  } finally {
    await Promise.all([stop(a), stop(b)]);
  }
}

function rssMb(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** The node process under taskset (taskset execs it, so it is the same pid). */
async function memoryRun(seconds) {
  const side = SCENARIOS.find((s) => s.id === 'rtc007').a;
  const server = await start('memory-service', PEERS.service.script, SERVICE_ENV);
  try {
    await ready(server, side);
    const samples = [];
    const timer = setInterval(() => samples.push(rssMb(server.child.pid)), 1000);
    const cpu0 = cpuSeconds(server.child.pid);
    const r = await autocannon({ url: server.base + side.path, connections: CONNECTIONS, duration: seconds, ...side.req });
    const cpuUs = ((cpuSeconds(server.child.pid) - cpu0) * 1e6) / Math.max(1, r.requests.total);
    clearInterval(timer);
    const logBytes = statSync(server.logPath).size;
    truncateSync(server.logPath, 0);
    const mean = (xs) => xs.reduce((s, x) => s + x, 0) / xs.length;
    const last = samples.slice(-15);
    const before = samples.slice(-30, -15);
    return {
      seconds,
      rps: r.requests.average,
      cpuUs,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.timeouts,
      non2xx: r.non2xx,
      peakRssMb: Math.max(...samples),
      driftPct: (mean(last) / mean(before) - 1) * 100,
      samples,
      logBytesPerRequest: logBytes / r.requests.total,
    };
  } finally {
    await stop(server);
  }
}

/** How each kind of server is started for the cold-start runs, and what it is asked for. */
function coldDef(kind) {
  if (kind === 'tutorial') return { ...PEERS.tutorial, side: { path: TUTORIAL_QUERY, req: { method: 'GET' } } };
  const script = kind === 'against' ? opt.against : PEERS.service.script;
  return { script, env: { ...SERVICE_ENV, ...compileCacheEnv(script) }, side: SCENARIOS.find((s) => s.id === 'rtc007').a };
}

/** Spawn → first successful token response, polling every 2 ms. */
async function coldStartOnce(kind, def) {
  const t0 = performance.now();
  const server = await start(`cold-${kind}`, def.script, def.env);
  let exited = false;
  void server.exited.then(() => (exited = true));
  for (;;) {
    if (exited) throw new Error(`${kind} exited before its first token`);
    try {
      const res = await fetch(server.base + def.side.path, def.side.req);
      if (res.ok) break;
    } catch {}
    await sleep(2);
  }
  const ms = performance.now() - t0;
  // CPU time to the first token: much steadier than wall time on a shared machine.
  const cpuMs = cpuSeconds(server.child.pid) * 1000;
  await stop(server);
  return { ms, cpuMs };
}

/** The kinds' runs alternate (A B A B …), as the throughput legs do: a noisy moment hits every kind. */
async function coldStarts(kinds, runs) {
  const defs = Object.fromEntries(kinds.map((kind) => [kind, coldDef(kind)]));
  const times = Object.fromEntries(kinds.map((kind) => [kind, []]));
  for (let i = 0; i < runs; i++) {
    for (const kind of kinds) times[kind].push(await coldStartOnce(kind, defs[kind]));
  }
  for (const def of Object.values(defs)) if (def.env?.NODE_COMPILE_CACHE) rmSync(def.env.NODE_COMPILE_CACHE, { recursive: true, force: true });
  return Object.fromEntries(
    kinds.map((kind) => {
      const runs = times[kind];
      return [kind, { medianMs: median(runs.map((r) => r.ms)), medianCpuMs: median(runs.map((r) => r.cpuMs)), runs }];
    }),
  );
}

/** Optional: the image at the recipes' memory limit, 60 s at 50 connections. */
async function imageRun(seconds) {
  const tag = 'localhost/agora-token-server:bench';
  execFileSync(join(ROOT, 'test/system/container/base-image.sh'), { stdio: 'inherit' });
  // As test/system/container/smoke.sh builds it: npm may need the machine's CA bundle (a TLS-intercepting proxy).
  const ca = ['/etc/ssl/certs/ca-certificates.crt'].find((f) => existsSync(f));
  const secret = ca ? ['--secret', `id=npm_ca,src=${ca}`] : [];
  execFileSync('podman', ['build', '--format', 'docker', '--isolation=chroot', '--pull=never', '--network=host', '--layers', ...secret, '-t', tag, ROOT], {
    stdio: 'inherit',
  });
  const port = await freePort();
  const name = `agora-token-bench-${process.pid}`;
  const envArgs = Object.entries({ ...SERVICE_ENV, PORT: String(port) }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  execFileSync('podman', [
    'run', '-d', '--name', name, '--runtime', 'runc', '--cgroup-manager=cgroupfs', '--network=host',
    '--ulimit', 'nofile=4096:4096', '--ulimit', 'nproc=4096:4096', '--health-interval=disable', '--pull=never',
    '--memory', opt['image-memory'], '--cpuset-cpus', SERVER_CORE, ...envArgs, tag,
  ]);
  const server = { name: 'image', base: `http://127.0.0.1:${port}` };
  const side = SCENARIOS.find((s) => s.id === 'rtc007').a;
  try {
    await ready(server, side);
    const peak = { mb: 0 };
    const timer = setInterval(() => {
      try {
        const out = execFileSync('podman', ['stats', '--no-stream', '--format', '{{.MemUsage}}', name]).toString();
        const m = /([\d.]+)([kMG]i?B)/.exec(out);
        const scale = { kB: 1 / 1000, KiB: 1 / 1024, MB: 1, MiB: 1, GB: 1000, GiB: 1024 }[m?.[2]] ?? 1;
        if (m) peak.mb = Math.max(peak.mb, Number(m[1]) * scale);
      } catch {}
    }, 2000);
    const r = await autocannon({ url: server.base + side.path, connections: CONNECTIONS, duration: seconds, ...side.req });
    clearInterval(timer);
    const state = JSON.parse(execFileSync('podman', ['inspect', name, '--format', '{{json .State}}']).toString());
    return {
      memoryLimit: opt['image-memory'],
      seconds,
      rps: r.requests.average,
      p99: r.latency.p99,
      errors: r.errors + r.timeouts,
      non2xx: r.non2xx,
      peakMemMb: peak.mb,
      running: state.Running,
      oomKilled: state.OOMKilled,
    };
  } finally {
    execFileSync('podman', ['rm', '-f', '-t', '0', name], { stdio: 'ignore' });
  }
}

// ---------------------------------------------------------------- run
const t0 = Date.now();
const nodeVersion = process.version;
console.log(`service NODE_OPTIONS: ${NODE_OPTIONS || '(none)'}`);
console.log(`node ${nodeVersion}; servers on core ${SERVER_CORE}, load on core ${LOAD_CORE}; ${CONNECTIONS} connections; ${PAIRS} pairs of ${SECONDS} s legs per scenario`);
const only = opt.only?.split(',');
const results = { date: new Date().toISOString(), node: nodeVersion, nodeOptions: NODE_OPTIONS, connections: CONNECTIONS, seconds: SECONDS, pairs: PAIRS, scenarios: [] };

const f0 = (x) => x.toFixed(0);
const row = (cells, widths) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join(' ');
const W = [34, 7, 9, 8, 9, 7, 7, 6, 9, 9, 7, 7, 6, 7, 7];
console.log(row(['scenario (A vs B)', 'ratio', 'target', 'cpu', 'A req/s', 'A p50', 'A p99', 'A err', 'A non2xx', 'B req/s', 'B p50', 'B p99', 'B err', 'A us/r', 'B us/r'], W));
for (const sc of SCENARIOS) {
  if (only && !only.includes(sc.id)) continue;
  // Before/after runs compare the service with itself: scenarios between peers have no service side.
  if (opt.against && sc.a.peer) continue;
  if (opt.against) Object.assign(sc, { label: `${sc.id}: this build vs ${opt.against}`, target: undefined, b: { ...sc.a, peer: 'against' } });
  const r = await abScenario(sc);
  results.scenarios.push(r);
  console.log(
    row(
      [
        r.label, `${r.ratio.toFixed(2)}x`, r.target ? `>=${r.target.toFixed(2)}x` : '-', `${r.cpuRatio.toFixed(2)}x`,
        f0(r.a.rps), r.a.p50, r.a.p99, r.a.errors, r.a.non2xx, f0(r.b.rps), r.b.p50, r.b.p99, r.b.errors + r.b.non2xx, f0(r.a.cpuUs), f0(r.b.cpuUs),
      ],
      W,
    ),
  );
}
console.log(
  '(ratio: median of per-pair req/s ratios A/B; cpu: the same by CPU time per request, B/A, steadier on a shared machine;\n' +
    ' p50/p99 in ms, median over legs; B err = errors + non-2xx of the peer; us/r = CPU microseconds per request)',
);
for (const r of results.scenarios) {
  if (r.p99Target) console.log(`p99 ${r.id}: ${r.a.p99} ms (target <= ${r.p99Target} ms)`);
}

if (!opt['no-memory']) {
  const m = await memoryRun(Number(opt['memory-seconds']));
  results.memory = m;
  console.log(
    `memory, v1 RTC 007, ${m.seconds} s at ${CONNECTIONS} connections: peak RSS ${m.peakRssMb.toFixed(1)} MiB (target <= 150), ` +
      `drift ${m.driftPct.toFixed(1)} % (target <= 10 %), ${f0(m.rps)} req/s, ${f0(m.cpuUs)} CPU us/request, p50 ${m.p50} ms, p99 ${m.p99} ms, ` +
      `errors ${m.errors}, non-2xx ${m.non2xx}, ${m.logBytesPerRequest.toFixed(0)} log bytes/request`,
  );
}

if (!opt['no-cold']) {
  const runs = Number(opt['cold-runs']);
  const { service, tutorial, against } = await coldStarts(['service', 'tutorial', ...(opt.against ? ['against'] : [])], runs);
  results.coldStart = { service, tutorial, ratio: service.medianMs / tutorial.medianMs, cpuRatio: service.medianCpuMs / tutorial.medianCpuMs };
  if (against) {
    results.coldStart.against = against;
    console.log(`cold start of ${opt.against}: ${f0(against.medianMs)} ms, ${f0(against.medianCpuMs)} CPU ms`);
  }
  console.log(
    `cold start (spawn -> first token, median of ${runs}): service ${f0(service.medianMs)} ms, tutorial ${f0(tutorial.medianMs)} ms, ` +
      `${results.coldStart.ratio.toFixed(2)}x (target <= 2x); CPU to the first token ${f0(service.medianCpuMs)} vs ${f0(tutorial.medianCpuMs)} ms, ` +
      `${results.coldStart.cpuRatio.toFixed(2)}x`,
  );
}

if (opt.image) {
  const i = await imageRun(Number(opt['memory-seconds']));
  results.image = i;
  console.log(
    `image at --memory ${i.memoryLimit}, ${i.seconds} s at ${CONNECTIONS} connections: ${f0(i.rps)} req/s, p99 ${i.p99} ms, ` +
      `errors ${i.errors}, non-2xx ${i.non2xx}, peak ${i.peakMemMb.toFixed(0)} MB, ${i.running && !i.oomKilled ? 'still running' : 'KILLED'}`,
  );
}

results.elapsedSeconds = (Date.now() - t0) / 1000;
const out = join(RESULTS, `${STAMP}.json`);
writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`${results.elapsedSeconds.toFixed(0)} s; results: ${out}`);
