#!/usr/bin/env node
// Throughput and memory of the built server under real HTTP load on loopback.
// Usage: npm run bench [-- --seconds 10 --connections 50]
// Prints figures; it asserts nothing (targets are judged by people, not unit tests).
import { spawn } from 'node:child_process';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';

const { values } = parseArgs({
  options: { seconds: { type: 'string', default: '8' }, connections: { type: 'string', default: '50' } },
});
const duration = Number(values.seconds);
const connections = Number(values.connections);

const server = spawn(process.execPath, ['dist/server.js'], {
  env: {
    PATH: process.env.PATH,
    APP_ID: '0123456789abcdef0123456789abcdef',
    APP_CERTIFICATE: 'fedcba9876543210fedcba9876543210',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: 'warn',
    // Measure minting, not the rate limiter refusing one client's flood (default 600/min).
    RATE_LIMIT_MAX: '999999999',
    // Nothing to drain for: exit as soon as the measurement is over.
    SHUTDOWN_DRAIN_SECONDS: '0',
  },
  stdio: ['ignore', 'pipe', 'inherit'],
});
server.stdout.setEncoding('utf8');

const base = await new Promise((resolve, reject) => {
  // LOG_LEVEL=warn hides the "listening" line, so ask the OS which port it took.
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
  const poll = setInterval(async () => {
    const { execSync } = await import('node:child_process');
    const out = execSync(`ss -ltnpH 2>/dev/null | grep "pid=${server.pid}," || true`).toString();
    const m = /127\.0\.0\.1:(\d+)/.exec(out);
    if (m) {
      clearInterval(poll);
      resolve(`http://127.0.0.1:${m[1]}`);
    }
  }, 100);
});

async function rss() {
  const { readFileSync } = await import('node:fs');
  const status = readFileSync(`/proc/${server.pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

const cases = [
  ['v1 RTC 007', 'POST', '/v1/tokens/rtc', { channelName: 'bench-room', uid: 1234, role: 'publisher' }],
  ['v1 RTC 006', 'POST', '/v1/tokens/rtc', { channelName: 'bench-room', uid: 1234, role: 'publisher', version: '006' }],
  ['v1 RTM 007', 'POST', '/v1/tokens/rtm', { userId: 'bench-user' }],
  ['compat /rtc 007', 'GET', '/rtc/bench-room/publisher/uid/1234/', undefined],
  ['healthz', 'GET', '/healthz', undefined],
];

console.log(`node ${process.version}, ${connections} connections, ${duration} s per case, idle RSS ${(await rss()).toFixed(1)} MiB`);
console.log('case                 req/s     p50 ms  p99 ms  non-2xx  errors  RSS MiB');
for (const [name, method, path, body] of cases) {
  const result = await autocannon({
    url: base + path,
    method,
    connections,
    duration,
    headers: body ? { 'content-type': 'application/json' } : {},
    body: body ? JSON.stringify(body) : undefined,
  });
  const row = [
    name.padEnd(20),
    result.requests.average.toFixed(0).padStart(6),
    String(result.latency.p50).padStart(10),
    String(result.latency.p99).padStart(7),
    String(result.non2xx).padStart(8),
    String(result.errors).padStart(7),
    (await rss()).toFixed(1).padStart(8),
  ];
  console.log(row.join(' '));
}
server.kill('SIGTERM');
