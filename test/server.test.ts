/**
 * The process entry, run for real as a child process: exit codes, signals and
 * messages need a process. It runs the BUILT dist/server.js (`npm test` builds
 * first) in a clean environment: no tap loader, no coverage hooks, as in production.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { decode007, verify007 } from '../src/tokens/decode.js';
import { APP_CERTIFICATE, APP_ID } from './helper.js';

const entry = fileURLToPath(new URL('../dist/server.js', import.meta.url));
if (!existsSync(entry)) throw new Error('dist/server.js is missing: run `npm run build` (npm test does) first');
const root = fileURLToPath(new URL('..', import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function start(env: Record<string, string>, cwd = root) {
  const child = spawn(process.execPath, [entry], {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  const listening = new Promise<string>((resolve, reject) => {
    child.stdout.on('data', () => {
      const m = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
      if (m?.[1]) resolve(m[1]);
    });
    void done.then(() => reject(new Error(`exited before listening: ${stderr}`)));
  });
  listening.catch(() => {}); // awaited by the tests that expect a listener
  return { child, done, listening };
}

t.test('a bad variable exits 1 with one line naming it, never the certificate', async (t) => {
  for (const [env, expected] of [
    [{ APP_CERTIFICATE }, 'agora-token-server: APP_ID is missing: expected your Agora App ID: 32 hexadecimal characters\n'],
    [{ APP_ID, APP_CERTIFICATE: `${APP_CERTIFICATE}zz` }, 'agora-token-server: APP_CERTIFICATE is invalid: expected your Agora App Certificate: 32 hexadecimal characters\n'],
    [{ APP_ID, APP_CERTIFICATE, TOKEN_TTL_MAX: '90000' }, 'agora-token-server: TOKEN_TTL_MAX is invalid: expected a whole number of seconds from 1 to 86400\n'],
  ] as const) {
    const run = await start(env).done;
    t.equal(run.code, 1);
    t.equal(run.stderr, expected);
    t.notOk(run.stderr.includes(APP_CERTIFICATE) || run.stdout.includes(APP_CERTIFICATE));
  }
});

t.test('serves tokens, then exits 0 on SIGTERM', async (t) => {
  const s = start({ APP_ID, APP_CERTIFICATE, HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'debug' });
  const base = await s.listening;
  const res = await fetch(`${base}/v1/tokens/rtm`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ userId: 'alice', expireSeconds: 60 }),
  });
  t.equal(res.status, 200);
  const d = decode007(((await res.json()) as { token: string }).token);
  t.ok(verify007(d, APP_CERTIFICATE));
  s.child.kill('SIGTERM');
  const run = await s.done;
  t.equal(run.code, 0);
  t.match(run.stdout, /"signal":"SIGTERM".*shutting down/);
  t.notOk(run.stdout.includes(APP_CERTIFICATE), 'no log line holds the certificate');
});

t.test('a .env file fills in what the environment does not set', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'agora-env-'));
  writeFileSync(join(dir, '.env'), `APP_ID=${APP_ID}\nAPP_CERTIFICATE=${APP_CERTIFICATE}\nHOST=127.0.0.1\nPORT=0\n`);
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  const s = start({}, dir);
  const base = await s.listening;
  t.equal((await fetch(`${base}/readyz`)).status, 200);
  s.child.kill('SIGINT');
  t.equal((await s.done).code, 0);
});

t.test('a port in use is reported and exits 1', async (t) => {
  const first = start({ APP_ID, APP_CERTIFICATE, HOST: '127.0.0.1', PORT: '0' });
  const base = await first.listening;
  const port = new URL(base).port;
  const second = await start({ APP_ID, APP_CERTIFICATE, HOST: '127.0.0.1', PORT: port }).done;
  t.equal(second.code, 1);
  t.match(second.stdout, /could not listen/);
  first.child.kill('SIGTERM');
  await first.done;
});
