#!/usr/bin/env node
// CPU profile of the service as deployed (same settings as bench/run.mjs) under load on one route.
//   npm run build && npx node bench/profile.mjs [-- --route rtc006|rtc007|access_token --seconds 8 --top 20]
// Prints the top frames by self time (share of busy time, idle excluded); keeps the .cpuprofile
// under bench/results/ for Chrome DevTools.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { API_KEY, DEPLOYED_ENV, RTC006, RTC007, TUTORIAL_QUERY } from './deployed.mjs';

const { values: opt } = parseArgs({
  options: {
    route: { type: 'string', default: 'rtc006' },
    seconds: { type: 'string', default: '8' },
    top: { type: 'string', default: '20' },
    connections: { type: 'string', default: '50' },
  },
});
const ROOT = new URL('..', import.meta.url).pathname;
const dir = join(ROOT, 'bench/results', `profile-${opt.route}-${Date.now()}`);
mkdirSync(dir, { recursive: true });
const port = 20000 + Math.floor(Math.random() * 20000);
// Logs go to a file, as in bench/run.mjs (not /dev/null, which would hide their cost).
const logFd = openSync(join(dir, 'server.log'), 'a');
// The unbundled build (dist/server.js): the same code per request as the bundle production runs,
// with each frame in its own package's file, so that the table below can name packages.
const child = spawn('taskset', ['-c', '0', process.execPath, '--cpu-prof', '--cpu-prof-dir', dir, 'dist/server.js'], {
  cwd: ROOT,
  env: {
    PATH: process.env.PATH,
    ...DEPLOYED_ENV,
    PORT: String(port),
  },
  stdio: ['ignore', logFd, 'inherit'],
});
closeSync(logFd);
const requests = {
  rtc006: { path: '/v1/tokens/rtc', method: 'POST', body: JSON.stringify(RTC006) },
  rtc007: { path: '/v1/tokens/rtc', method: 'POST', body: JSON.stringify(RTC007) },
  access_token: { path: TUTORIAL_QUERY, method: 'GET' },
};
const r = requests[opt.route];
const headers = { 'x-api-key': API_KEY, ...(r.body && { 'content-type': 'application/json' }) };
for (let i = 0; ; i++) {
  try {
    if ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok) break;
  } catch {}
  if (i > 500) throw new Error('server did not start');
  await new Promise((resolve) => setTimeout(resolve, 20));
}
const result = await autocannon({ url: `http://127.0.0.1:${port}${r.path}`, method: r.method, headers, body: r.body, connections: Number(opt.connections), duration: Number(opt.seconds) });
console.log(`${opt.route}: ${result.requests.average.toFixed(0)} req/s, p99 ${result.latency.p99} ms, non-2xx ${result.non2xx}`);
child.kill('SIGTERM');
await new Promise((resolve) => child.once('exit', resolve));

const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const self = new Map();
const dt = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  const n = byId.get(profile.samples[i]);
  const f = n.callFrame;
  const where = f.url ? `${f.url.replace(/^file:\/\//, '').replace(ROOT, '').replace(/.*node_modules\//, '')}:${f.lineNumber + 1}` : '';
  const key = `${f.functionName || '(anonymous)'} ${where}`.trim();
  self.set(key, (self.get(key) ?? 0) + (dt[i] ?? 0));
}
const busy = [...self].filter(([k]) => k !== '(idle)').reduce((s, [, v]) => s + v, 0);
console.log(`top frames by self time, % of busy time (${(busy / 1e6).toFixed(1)} s busy):`);
for (const [k, v] of [...self].filter(([k]) => k !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) {
  console.log(`${((v / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
}
console.log(`profile: ${join(dir, file)}`);

// The same samples by package (node_modules/<name>), our own files, Node internals or V8 ((garbage collector), (program)).
const byPkg = new Map();
for (let i = 0; i < profile.samples.length; i++) {
  const f = byId.get(profile.samples[i]).callFrame;
  if (f.functionName === '(idle)') continue;
  let pkg = f.functionName.startsWith('(') ? f.functionName : 'native/builtin';
  if (f.url.includes('node_modules/')) pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(f.url)[1];
  else if (f.url.startsWith('node:')) pkg = f.url;
  else if (f.url.includes('/dist/')) pkg = `dist/${f.url.split('/dist/')[1]}`;
  byPkg.set(pkg, (byPkg.get(pkg) ?? 0) + (dt[i] ?? 0));
}
console.log('by package / file:');
for (const [k, v] of [...byPkg].sort((a, b) => b[1] - a[1]).slice(0, Number(opt.top))) {
  console.log(`${((v / busy) * 100).toFixed(1).padStart(5)} %  ${k}`);
}
